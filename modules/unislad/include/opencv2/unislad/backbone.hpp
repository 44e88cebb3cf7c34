// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_BACKBONE_HPP
#define OPENCV_UNISLAD_BACKBONE_HPP

#include <opencv2/core.hpp>

#include "opencv2/unislad/preprocessor.hpp"

namespace cv {
namespace uniSLAD {

//! @addtogroup unislad
//! @{

/** @brief Where a backbone runs. */
enum ComputeBackend
{
    COMPUTE_CPU = 0,   //!< OpenCV's own CPU implementation (default)
    COMPUTE_CUDA = 1,  //!< OpenCV's CUDA backend when this OpenCV build has it, otherwise CPU with a warning
};

/** @brief One named output of a backbone and what it is used for. */
struct CV_EXPORTS_W_SIMPLE BackboneTap
{
    CV_WRAP BackboneTap() : imagenet(true), isDefault(false) {}
    CV_PROP_RW String name;            //!< output (tensor) name in the ONNX graph
    CV_PROP_RW String role;            //!< "local" (CNN map), "global" (token grid) or "class" (one vector)
    CV_PROP_RW std::vector<int> shape; //!< output per image: C, H, W for maps; T, D for tokens; D for vectors
    CV_PROP_RW bool imagenet;          //!< the weights up to this tap are stock ImageNet weights
    CV_PROP_RW bool isDefault;         //!< used by default for its role
};

/** @brief A backbone's manifest: the YAML file written next to each ONNX file by the scripts in models/.

Format: YAML as cv::FileStorage writes it (a `%YAML:1.0` line, `---`, block maps and sequences, flow
`[...]`, quoted or plain scalars, comments) or JSON, at most 1 MiB; read strictly by the library itself,
which names the line and column of anything else (tags, anchors, tabs in indentation, unquoted values
with ':' or ' #', ...). Keys read: `model` (ONNX file name, relative to the manifest), `sha256`
(optional; verified on load), `input` {`width`, `height`, `channel_order` (RGB or BGR), `scale`,
`mean` [3], `std` [3]}, `taps` [{`name`, `shape`, `tensor` (optional: the output's per-image shape
when it differs from `shape`, e.g. 196 x 768 tokens), `role`, `imagenet`, `default`}]. See models/README.md.
*/
struct CV_EXPORTS_W_SIMPLE BackboneManifest
{
    CV_WRAP BackboneManifest() {}
    CV_PROP_RW String manifestPath;      //!< the file it was read from (empty when built in code)
    CV_PROP_RW String modelPath;         //!< the ONNX file, resolved against the manifest's folder
    CV_PROP_RW String sha256;            //!< expected SHA-256 of the ONNX file; empty: not checked
    CV_PROP_RW InputNormalization input; //!< input size and normalisation
    CV_PROP_RW std::vector<BackboneTap> taps;

    /** @brief Reads a manifest; a missing file, a missing key or a bad value raises cv::Exception
        naming the file and the key. */
    CV_WRAP static BackboneManifest read(const String& path);

    /** @brief The taps of one role, in manifest order; only the default ones when defaultsOnly. */
    CV_WRAP std::vector<BackboneTap> tapsFor(const String& role, bool defaultsOnly = true) const;

    /** @brief The tap with this name; raises cv::Exception listing the available names otherwise. */
    CV_WRAP BackboneTap tap(const String& name) const;
};

/** @brief An ONNX network run by cv::dnn, with named output taps.

On creation the ONNX file's SHA-256 is checked against the manifest (when it gives one), a model whose
tensors lie in external data files is refused where OpenCV's importer cannot read them (before OpenCV
4.12; always from a buffer), the graph is imported, and one forward pass on a blank input checks that every requested tap exists and has the
shape the manifest states. Any failure raises cv::Exception naming the file.

CUDA: when asked for and `cv::dnn::getAvailableTargets(DNN_BACKEND_CUDA)` offers a CUDA target, the
network runs there; otherwise on the CPU, with one warning in the log. backendName() tells which.

On the CPU, the graph's fully connected layers (ONNX MatMul and Gemm nodes with constant weights, OpenCV's
"InnerProduct") run as blocked matrix products instead of OpenCV 4.6's row-by-row ones: about 10 times
faster on ViT-B/16's shapes, outputs within float rounding of OpenCV's layer (1e-5 relative in the tests),
and identical for any thread count and batch size (BENCHMARKS.md, "The backbone's fully connected layers").

Thread safety: cv::dnn::Net::forward changes the network's state, so forward() holds a lock: calls from
several threads are safe and run one at a time. Use one Backbone per thread for parallel inference.
*/
class CV_EXPORTS_W Backbone
{
public:
    virtual ~Backbone();

    /** @brief Loads the backbone a manifest describes.
    @param manifest the manifest (see BackboneManifest::read)
    @param taps the tap names to produce; empty: every tap of the manifest
    @param backend ComputeBackend
    */
    CV_WRAP static Ptr<Backbone> create(const BackboneManifest& manifest, const std::vector<String>& taps = std::vector<String>(),
                                        int backend = COMPUTE_CPU);

    /** @brief Same, from the ONNX file's bytes in memory (the manifest's modelPath is only used in messages). */
    CV_WRAP static Ptr<Backbone> createFromBuffer(const BackboneManifest& manifest, const std::vector<uchar>& onnx,
                                                  const std::vector<String>& taps = std::vector<String>(),
                                                  int backend = COMPUTE_CPU);

    /** @brief Runs a preprocessed blob (N × 3 × H × W, see Preprocessor) and returns one blob per tap,
        in the order of tapNames(): N × C × H × W for maps, N × T × D for tokens, N × D for vectors. */
    CV_WRAP virtual void forward(InputArray blob, CV_OUT std::vector<Mat>& taps) = 0;

    /** @brief Preprocesses images (any size; see Preprocessor) and runs them. */
    CV_WRAP virtual void forwardImages(InputArrayOfArrays images, CV_OUT std::vector<Mat>& taps) = 0;

    CV_WRAP virtual std::vector<String> tapNames() const = 0;
    CV_WRAP virtual BackboneManifest manifest() const = 0;
    //! "CPU" or "CUDA": where the network actually runs.
    CV_WRAP virtual String backendName() const = 0;
};

/** @brief The folder where generated backbones are looked for: $UNISLAD_MODEL_DIR when set, else
    $XDG_CACHE_HOME/unislad/models, else ~/.cache/unislad/models (the default of models/). */
CV_EXPORTS_W String defaultModelDirectory();

//! @}

}} // namespace cv::uniSLAD

#endif // OPENCV_UNISLAD_BACKBONE_HPP
