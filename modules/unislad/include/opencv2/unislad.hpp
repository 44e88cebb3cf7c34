// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef OPENCV_UNISLAD_HPP
#define OPENCV_UNISLAD_HPP

#include <opencv2/core.hpp>

#include <functional>

/**
@defgroup unislad UniSLAD: training-free structural and logical anomaly detection

An implementation of UniSLAD (unified structural and logical anomaly detection): memory banks of local
(CNN) and global (transformer) patch features, Mahalanobis-transformed and searched by nearest
neighbour for structural anomalies, and image-level distribution maps for logical ones. It is fitted
from a few dozen nominal images, with no training of the backbones.

The numerical building blocks are public, each in its own header, and usable alone:
- coreset selection (paper Eq. 5): cv::uniSLAD::CoresetSampler
- the Mahalanobis feature transform (Eq. 6-11): cv::uniSLAD::MahalanobisTransform
- nearest-neighbour search over a memory bank (Eq. 16-17): cv::uniSLAD::NearestNeighborIndex
- image-level feature conversion (Eq. 12-14): cv::uniSLAD::ImageFeatureConverter
- the per-representation Gaussian (Eq. 15, 19): cv::uniSLAD::GaussianModel
- evaluation metrics (image and pixel AUROC, AUPRO, F1-max): cv::uniSLAD::metrics

Conventions: a set of feature vectors is a 2-D, single-channel CV_32F cv::Mat with one vector per row
(N × d, row-major). Every function checks its input and raises cv::Exception with a message that names
the argument, what was expected and what was found.
*/

#include "opencv2/unislad/anomaly_regions.hpp"
#include "opencv2/unislad/backbone.hpp"
#include "opencv2/unislad/coreset.hpp"
#include "opencv2/unislad/feature_extractor.hpp"
#include "opencv2/unislad/gaussian.hpp"
#include "opencv2/unislad/image_feature.hpp"
#include "opencv2/unislad/local_aggregation.hpp"
#include "opencv2/unislad/mahalanobis.hpp"
#include "opencv2/unislad/memory_bank.hpp"
#include "opencv2/unislad/metrics.hpp"
#include "opencv2/unislad/nearest_neighbor.hpp"
#include "opencv2/unislad/preprocessor.hpp"
#include "opencv2/unislad/threads.hpp"
#include "opencv2/unislad/threshold.hpp"

namespace cv {
namespace uniSLAD {

//! @addtogroup unislad
//! @{

/** @brief The fewest images UniSLAD::fit accepts.

Four good training images: the Ledoit-Wolf covariance of two images is singular, and without
calibration images each training image is scored by a model of the others. Three calibration images
when they are given: each image-level component has one score per image, and their spread
standardises it. These are what fit() needs to give finite, calibrated scores; how many images give
a useful detector is measured in BENCHMARKS.md ("Few training images"). */
enum
{
    MIN_TRAINING_IMAGES = 4,
    MIN_CALIBRATION_IMAGES = 3
};

/** @brief The library's version, "major.minor.patch". */
CV_EXPORTS_W String getVersionString();

/** @brief Whether path is a UniSLAD model file, by its first 8 bytes (the magic "UNISLAD\0" that
every model file written by UniSLAD::save starts with).

Meant for tools that must not replace a file that is not a model (`unislad fit --model` refuses to,
unless forced): only the magic is read, so a damaged or newer model still counts as one, and
UniSLAD::load() is what checks the rest. A symbolic link is followed.
@param path the file
@return true for a regular file starting with the magic; false otherwise, also when it does not
exist, is a directory or cannot be read.
*/
CV_EXPORTS_W bool isModelFile(const String& path);

/** @brief Writes a whole file atomically, the way UniSLAD::save writes a model.

The bytes go to a temporary file "<path>.tmp-<pid>-<8 hex digits>" next to path, which is synced,
closed and renamed over path; readers of path see the old file or the new one, never a part, and on
any error path is left as it was and the temporary file is removed. Temporary files of the same
path left by processes that were killed meanwhile (their pid no longer runs) are removed first
(POSIX). A symbolic link at path is followed: the file it points to is replaced and the link stays.
@param path the file to write; its directory must exist
@param bytes the file's contents
@param who the start of every error message (the caller, or what the file is), e.g. "cannot write
'out/results.json'"; errors end with the system's error text ("No space left on device").
*/
CV_EXPORTS void writeFileAtomically(const String& path, const std::vector<uchar>& bytes,
                                    const String& who = "cv::uniSLAD::writeFileAtomically");

/** @brief Checks that an image can be inspected with a region of interest (Params::roi): its aspect ratio
is the mask's, within 2 % (the mask is resized to every image, so on an image of another shape it would
cover another part of the scene). fit(), update(), predict() and detect() apply the same rule; call it
where images are read, to name a refused one by its origin.
@param roi the mask (Params::roi); empty: nothing to check
@param imageSize the image's size
@param name what to call the image in the error message, e.g. its file path
@throws cv::Exception (StsBadSize) "<name>: expected the aspect ratio of the region of interest ...". */
CV_EXPORTS_W void checkRegionOfInterest(InputArray roi, const Size& imageSize, const String& name);

/** @brief All settings of a UniSLAD detector.

`Params()` is the offline default, the same as Params::defaults() (each field's default is stated in
its comment); Params::paper() gives the paper's settings. Every field is saved in the model file.
*/
struct CV_EXPORTS_W_SIMPLE Params
{
    CV_WRAP Params();

    // --- Dual feature extractor (paper III-A) ----------------------------------------------------
    CV_PROP_RW String localManifest;              //!< CNN backbone manifest (local branch); empty: ImageNet
                                                  //!< MobileNetV2, defaultModelDirectory() + "/mobilenet_v2_imagenet.yml",
                                                  //!< looked up when the detector is created (empty)
    CV_PROP_RW String globalManifest;             //!< backbone of the global branch; empty: the local one (empty)
    CV_PROP_RW std::vector<String> localTaps;     //!< empty: the manifest's default local taps (empty)
    CV_PROP_RW std::vector<String> globalTaps;    //!< empty: the manifest's default global taps (empty)
    CV_PROP_RW String classTap;                   //!< empty: the manifest's default class tap (empty)
    CV_PROP_RW int gridSize;                      //!< local grid K; 0: the first local tap's own grid (56)
    CV_PROP_RW int patchSize;                     //!< neighbourhood p of Eq. 1 (3)
    CV_PROP_RW int pretrainDims;                  //!< per-tap dimension of the local aggregation (256)
    CV_PROP_RW int localDims;                     //!< local feature dimension (256)
    CV_PROP_RW int backend;                       //!< ComputeBackend (COMPUTE_CPU)
    CV_PROP_RW int batchSize;                     //!< images per forward pass (8)

    // --- Memory banks (III-B) ---------------------------------------------------------------------
    CV_PROP_RW double localCoresetRatio;          //!< coreset ratio of the local bank (0.025)
    CV_PROP_RW double globalCoresetRatio;         //!< coreset ratio of the global bank (0.2)
    CV_PROP_RW int projectionDims;                //!< random projection of the coreset selection (128)
    CV_PROP_RW int regularization;                //!< MahalanobisTransform::Regularization of the patch banks (RIDGE)
    CV_PROP_RW double regularizationEpsilon;      //!< RIDGE: ε relative to the mean variance;
                                                  //!< LEDOIT_WOLF: fixed shrinkage in [0, 1], -1 to estimate it (1e-3)
    CV_PROP_RW int classRegularization;           //!< of the class bank, which holds one vector per image, far
                                                  //!< fewer than dimensions (LEDOIT_WOLF, shrinkage estimated)
    CV_PROP_RW int index;                         //!< IndexType of the banks' nearest-neighbour search (INDEX_AUTO)
    CV_PROP_RW int autoIndexThreshold;            //!< INDEX_AUTO: HNSW for banks of at least this many vectors,
                                                  //!< exact below; measured, see BENCHMARKS.md (50000)
    CV_PROP_RW int hnswM;                         //!< HNSW: links per node, HnswParams::M (16)
    CV_PROP_RW int hnswEfConstruction;            //!< HNSW: build candidate list, HnswParams::efConstruction (200)
    CV_PROP_RW int hnswEfSearch;                  //!< HNSW: search candidate list, HnswParams::efSearch (64)

    // --- Image-level distribution maps (III-C) ----------------------------------------------------
    CV_PROP_RW int imageFeatureMode;              //!< ImageFeatureConverter::Mode, Table IV (PMP_LUM)
    CV_PROP_RW double q;                          //!< power of PMP, Eq. 12 (3)
    CV_PROP_RW double alpha;                      //!< trimming proportion of LUM, Eq. 13 (0.05)
    CV_PROP_RW double gaussianShrinkage;          //!< covariance shrinkage of Eq. 15; -1: Ledoit-Wolf (-1)

    // --- Fusion (Eq. 18, 20, 21) and decision -----------------------------------------------------
    CV_PROP_RW double w;                          //!< patch vs image level, Eq. 21 (0.6)
    CV_PROP_RW double wI;                         //!< local vs global image score, Eq. 20 (0.2)
    CV_PROP_RW double wIG;                        //!< global-image vs class score inside S_i^g (0.5)
    CV_PROP_RW int fusion;                        //!< FusionMode (FUSION_CALIBRATED)
    CV_PROP_RW double calibrationFraction;        //!< held-out share of the training images when no
                                                  //!< calibration images are given (0.2)
    CV_PROP_RW double thresholdQuantile;          //!< threshold rule, see UniSLAD (0.99)
    CV_PROP_RW double thresholdMargin;            //!< threshold rule, see UniSLAD (0.5)
    CV_PROP_RW double mapSigma;                   //!< Gaussian blur of the anomaly map, pixels (4)

    // --- Region of interest ---------------------------------------------------------------------
    CV_PROP_RW Mat roi;                           //!< where anomalies count: a CV_8UC1 mask, non-zero inside, resized
                                                  //!< to each image (which must have its aspect ratio); see UniSLAD,
                                                  //!< "Region of interest". Empty: the whole image (empty)

    // --- Ablations (Table III) --------------------------------------------------------------------
    CV_PROP_RW bool useLocal;                     //!< RFE: the CNN branch (true)
    CV_PROP_RW bool useGlobal;                    //!< VFE: the transformer / global branch (true)
    CV_PROP_RW bool useMahalanobis;               //!< MT: Mahalanobis Transform of the banks (false)
    CV_PROP_RW bool usePatchBank;                 //!< PMB: patch-level memory banks (true)
    CV_PROP_RW bool useImageDistribution;         //!< IDM: image-level distribution maps (true)

    // --- Determinism and resources ----------------------------------------------------------------
    CV_PROP_RW int seed;                          //!< coreset projections, hold-out split (0)
    CV_PROP_RW int numThreads;                    //!< > 0: cv::setNumThreads during fit (process-wide); 0: leave it (0)
    CV_PROP_RW int maxFeatureMemoryMiB;           //!< bound on the patch features fit() holds at once, MiB; beyond
                                                  //!< it each training image keeps an equal seeded random subset of
                                                  //!< its patch features for the banks; 0: no bound (4096)

    // --- Model file -------------------------------------------------------------------------------
    CV_PROP_RW bool embedBackbones;               //!< save() stores each backbone's manifest and ONNX bytes in the
                                                  //!< model file (SHA-256 checked on load), which is then enough on
                                                  //!< its own; false: it records the manifest paths and the ONNX
                                                  //!< files' SHA-256 only, and load() needs the files (found at the
                                                  //!< recorded path or by name in defaultModelDirectory()), e.g. for
                                                  //!< many models that share one backbone. A loaded model keeps the
                                                  //!< choice of its file (one written before this field: false) (true)

    /** @brief The offline default, Params() with the backbone's manifest looked up now: ImageNet
        MobileNetV2 from models/make_default_backbone.py for both branches; K = 56 with a local coreset
        ratio of 0.025 and 256-dimensional local features (chosen by measurement for detect under
        100 ms on 2 cores); w = 0.6 in Eq. 21 (the paper: 0.5); every component of the paper except the
        Mahalanobis transform (useMahalanobis = false), which costs this backbone 8-16 points of
        structural I-AUROC. Each choice is measured in BENCHMARKS.md.
        @param modelDir folder of the generated backbones; empty: defaultModelDirectory(). */
    CV_WRAP static Params defaults(const String& modelDir = String());
    /** @brief The paper's settings. Against Params(), it changes: the backbones (Wide-ResNet-50-2
        layer2 + layer3 for the local branch, ViT-B/16 block 12 tokens and CLS for the global one),
        pretrainDims = localDims = 1024, localCoresetRatio = 0.2, w = 0.5 and useMahalanobis = true
        (K = 56, globalCoresetRatio = 0.2, q = 3, α = 0.05 and w_i = 0.2 are the same).
        @param modelDir see defaults() @param weights "imagenet" or "random". */
    CV_WRAP static Params paper(const String& modelDir = String(), const String& weights = "imagenet");

    /** @brief The dual feature extractor a detector with these parameters runs: the backbones, taps,
        local aggregation (gridSize, patchSize, pretrainDims, localDims), backend, batch size and
        branches of these parameters. localManifest must be set (see defaults()). */
    CV_WRAP DualFeatureExtractor::Params extractorParams() const;

    void write(FileStorage& fs) const;
    void read(const FileNode& node);
};

/** @brief How component scores are combined. */
enum FusionMode
{
    FUSION_RAW = 0,        //!< the paper's weighted sums as written (Eq. 18, 20, 21)
    FUSION_CALIBRATED = 1, //!< each component standardised by its nominal calibration scores first (default)
};

/** @brief Everything detect() knows about one image. */
struct CV_EXPORTS_W_SIMPLE Result
{
    CV_WRAP Result()
        : score(0), isAnomaly(false), threshold(0), normalizedScore(0), patchLocal(0), patchGlobal(0), classWeight(0),
          patchScore(0), imageLocal(0), imageGlobal(0), imageClass(0), imageScore(0), pixelThreshold(0)
    {}
    CV_PROP_RW float score;       //!< S, Eq. 21
    CV_PROP_RW bool isAnomaly;    //!< score > threshold
    CV_PROP_RW float threshold;   //!< the decision threshold used
    CV_PROP_RW float normalizedScore; //!< the score on the detector's fixed scale: 0 a typical good image, 1 the
                                      //!< threshold (anomalous above 1); UniSLAD::normalizeScore()
    CV_PROP_RW Mat anomalyMap;           //!< CV_32F, the input's size: fused patch scores, upsampled and blurred
    CV_PROP_RW float patchLocal;  //!< max over locations of S_p^l (Eq. 16), raw
    CV_PROP_RW float patchGlobal; //!< max over locations of S_p^g (Eq. 16), raw
    CV_PROP_RW float classWeight; //!< w_p, Eq. 17, clamped to [0, 1]
    CV_PROP_RW float patchScore;  //!< max over locations of S_p (Eq. 18), as fused
    CV_PROP_RW float imageLocal;  //!< S_i^l, Eq. 19, raw
    CV_PROP_RW float imageGlobal; //!< Mahalanobis score of the global image feature, raw
    CV_PROP_RW float imageClass;  //!< Mahalanobis score of the class feature, raw
    CV_PROP_RW float imageScore;  //!< S_i, Eq. 20, as fused
    CV_PROP_RW float pixelThreshold; //!< the detector's pixel threshold (UniSLAD::getPixelThreshold): the predicted
                                     //!< defect mask is anomalyMap > pixelThreshold (findAnomalyRegions() cuts it
                                     //!< into regions)
};

/** @brief Where the time of one detect() call went (UniSLAD::detect(image, timings)), milliseconds of
wall-clock time. The stages add up to total but for the checks of the input. */
struct CV_EXPORTS_W_SIMPLE StageTimings
{
    CV_WRAP StageTimings() : features(0), bankSearch(0), imageLevel(0), fusion(0), anomalyMap(0), total(0) {}
    CV_PROP_RW double features;    //!< preprocessing, backbone(s), local aggregation, image-level pooling (III-A, III-C)
    CV_PROP_RW double bankSearch;  //!< nearest-neighbour search of the local, global and class banks (Eq. 16-17)
    CV_PROP_RW double imageLevel;  //!< Mahalanobis distances to the image-level Gaussians (Eq. 19)
    CV_PROP_RW double fusion;      //!< score fusion (Eq. 18, 20, 21)
    CV_PROP_RW double anomalyMap;  //!< upsampling and blur of the fused patch map
    CV_PROP_RW double total;       //!< the whole call
};

/** @brief The UniSLAD detector: fit on nominal images, then score new ones.

fit() extracts dual features of every training image, builds the local, global and class memory
banks and the image-level Gaussians, and calibrates: with FUSION_CALIBRATED each component score is
standardised by its mean and standard deviation over nominal calibration images (given, or a seeded
`calibrationFraction` hold-out of the training images, scored by a model fitted on the rest; the final
banks then use all training images. Below 50 training images a single hold-out leaves too few scores
to estimate a spread, so every training image is held out once instead, over round(1 /
calibrationFraction) folds, each scored by a model of the other folds). A spread that hardly varies
(copies of one image) is floored at 0.5 % of the component's mean, and at 0.05 for the levels. The decision threshold is
`quantile(calibration scores, thresholdQuantile) + thresholdMargin · std(calibration scores)`,
settable by hand with setThreshold(), or chosen on labelled images with chooseThreshold() and set with
setThreshold(threshold, rule); getThresholdRule() says which rule set it (README, "Choosing the threshold").

Pixel threshold (getPixelThreshold()): where the anomaly map says "defect". The map is on the scale of the
fused patch scores (Eq. 18; standardised per component with FUSION_CALIBRATED), not of S, so it has a
threshold of its own: `quantile(peaks, 0.99) + 0.5 · std(peaks)`, where the peaks are the largest values
of the calibration images' anomaly maps, each made as detect() makes it at that image's own size (the
blur is in pixels; the model keeps the sizes). So a calibration image has no pixel above it unless its
peak is above the quantile. fit() and update() compute it, save() keeps it, setPixelThreshold() sets it
by hand. A model file saved before it existed gets it when loaded, by the same rule on the calibration
images' scores it keeps, each image's peak taken as the largest cell of its patch map (the sizes are not
known; upsampling and blur only average cells, so that bounds the map's peak at any size, and the
threshold comes out higher); one saved before update() existed (no such scores) gets
`mean + 2.826 · std` of those largest cells (a normal approximation of the rule) with
FUSION_CALIBRATED, the decision threshold otherwise.

Region of interest (Params::roi): a fixed mask, such as the part's place in a fixture, outside which
nothing counts. Before the networks see an image, its pixels outside the mask are set to the backbone's
mean colour (the colour its normalisation maps to zero), so that what lies there reaches no feature,
not even through the receptive fields of cells inside; the memory banks hold the patches inside, patch
scores are taken inside (their maximum over the cells inside), the image-level features (Eq. 12-14)
pool the patches inside, and the anomaly map is 0 outside. A grid cell is inside when the mask covers
at least half of it (a region smaller than that: the most covered cells). Result::patchLocal and
Result::patchGlobal are maxima over the cells inside. The mask is part of the fitted model (saved with
it); to change it, fit again.

Memory: fit() holds the local and global patch features of the training images, about
4 · (K² · D_l + G² · D_g) bytes per image (1.6 MB for Params::defaults(), 13 MB for Params::paper()),
plus a copy of the non-held-out part while the calibration model is fitted. When that exceeds
Params::maxFeatureMemoryMiB, every training image contributes the same number of patch features,
a seeded random subset of its own, to the coreset selection (a deviation from the paper, which
selects from all; logged). Image-level features (Eq. 12-14) always use all patches of an image,
held-out and calibration images are scored on all their patches (extracted again in batches when
the training features were subsampled), and the per-image memory is that of one batch.

Thread safety: predict(), detect() and their batch versions are const and may be called from
several threads at once on one fitted (or loaded) detector; they give the same results as serial
calls (the backbones run one batch at a time behind a lock; everything else only reads the fitted
state). fit(), setThreshold() and assignment through cv::Algorithm::read() change the detector and must
not run concurrently with any other call on the same detector; UniSLAD::load() returns a new detector
and may run in parallel with anything. getThreshold(), getThresholdRule(), normalizeScore(), getParams()
and empty() are safe while nothing modifies the detector. See RELIABILITY.md.
*/
class CV_EXPORTS_W UniSLAD : public Algorithm
{
public:
    /** @brief Progress of fit(): stage name, items done, items in the stage. */
    typedef std::function<void(const String& stage, int done, int total)> ProgressCallback;

    /** @brief An unfitted detector (empty() is true until fit() or load()). An empty
        Params::localManifest is resolved to the default backbone here. */
    CV_WRAP static Ptr<UniSLAD> create(const Params& params = Params());

    /** @brief Loads a model file written by save(); raises cv::Exception naming the file when it is
        missing, truncated, corrupt, of a newer format, or when a backbone's hash does not match.
        A file that embeds its backbones (Params::embedBackbones) opens no other file: the networks are
        built from its bytes once their SHA-256 is checked, and the detector keeps those bytes in memory
        (to save them again: the ONNX files' size beside the networks). A file that references them
        finds each manifest at the path recorded at fit or, by file name, in defaultModelDirectory().
        @param path the model file
        @param backend ComputeBackend to run the backbones on; -1 (default): the one saved in the model.
        The backend changes where the networks run, not the fitted state. */
    CV_WRAP static Ptr<UniSLAD> load(const String& path, int backend = -1);

    /** @brief load() of a model file's bytes in memory (e.g. as saveToBuffer() gave them, or read from a
        database); bytes that are not a model give the errors load() gives a bad file, naming "<buffer>".
        A model that references its backbones (Params::embedBackbones false) still needs their files.
        @param bytes the model file's contents
        @param backend as in load() */
    CV_WRAP static Ptr<UniSLAD> loadFromBuffer(const std::vector<uchar>& bytes, int backend = -1);

    /** @brief Fits on nominal images (8/16-bit, gray/BGR/BGRA; see Preprocessor). */
    CV_WRAP virtual void fit(InputArrayOfArrays images) = 0;
    /** @brief Fits on nominal images and calibrates on other nominal images (e.g. validation/good). */
    CV_WRAP virtual void fit(InputArrayOfArrays images, InputArrayOfArrays calibrationImages) = 0;
    /** @brief fit() reporting its progress, stage by stage: "features" (per image), "calibration models"
        (without calibration images: the hold-out models, per fold; their banks are not reported stage by
        stage), "local bank" and "global bank" (the coreset selection, when the bank has one), "distributions"
        (the image-level Gaussians), "calibration" (given calibration images, per image) and "done". The
        callback may throw to cancel the fit; the detector is then left as it was. */
    virtual void fit(InputArrayOfArrays images, InputArrayOfArrays calibrationImages, const ProgressCallback& progress) = 0;

    /** @brief Adds nominal images to a fitted (or loaded) detector, without the images it was fitted on.

    - The new images are scored by the detector as it is, before they join it (so they are held out,
      as cross-calibration holds out training images); their component scores join the calibration
      scores the model keeps, and the calibration statistics and the threshold are computed again from
      all of them by the rule of fit(). A threshold set by hand or chosen (setThreshold()) is replaced by
      it, since the new calibration moves every score: choose it again on the updated model.
    - Their patch features join the memory banks: each bank's coreset is selected again over the kept
      coreset and the new features (MemoryBank::extended), to the size fit() gives all the images.
      That is close to, not the same as, a full fit on all the images, which selects from every
      training feature (measured in BENCHMARKS.md, "Adding images to a model").
    - The image-level Gaussians are fitted again on the stored image-level features of every image so
      far: equal, to rounding, to those of fit() on all the images.

    Params::maxFeatureMemoryMiB bounds the new images' patch features as in fit(). On any error the
    detector is left as it was. update() changes the detector like fit(): no other call may run
    alongside it. A model saved before this method existed lacks the calibration scores it needs: it
    raises cv::Exception asking for a new fit.
    @param images nominal images, at least one (8/16-bit, gray/BGR/BGRA) */
    CV_WRAP virtual void update(InputArrayOfArrays images) = 0;
    /** @brief update() reporting its progress (the stages of fit(): "features", "local bank", ...). */
    virtual void update(InputArrayOfArrays images, const ProgressCallback& progress) = 0;
    /** @brief The number of nominal images the detector rests on: fit()'s training images plus those
        of every update() (0 before fit()). */
    CV_WRAP virtual int getTrainingImageCount() const = 0;

    /** @brief The anomaly score S of one image. */
    CV_WRAP virtual float predict(InputArray image) const = 0;
    /** @brief Scores of several images. */
    CV_WRAP virtual std::vector<float> predictBatch(InputArrayOfArrays images) const = 0;
    /** @brief Score, verdict, anomaly map and every component of one image. */
    CV_WRAP virtual Result detect(InputArray image) const = 0;
    /** @brief detect() for several images. */
    CV_WRAP virtual std::vector<Result> detectBatch(InputArrayOfArrays images) const = 0;
    /** @brief detect() that also reports the time of each stage (for profiling; `unislad bench`).
        @param image the image
        @param timings filled with this call's stage times */
    virtual Result detect(InputArray image, StageTimings& timings) const = 0;
    /** @brief The shape of a fitted memory bank: Size(dimensions, vectors), or an empty Size when the
        detector has no such bank (not fitted, or switched off by Params).
        @param bank "local", "global" or "class" */
    CV_WRAP virtual Size getBankSize(const String& bank) const = 0;

    /** @brief Writes the model file (atomically: a temporary file renamed over the target). With
        Params::embedBackbones (the default) the file holds the backbones too; when the detector was fitted
        from files, they are read again here and must still have the SHA-256 fit() saw (cv::Exception
        naming the file otherwise). cv::Algorithm::write() to a cv::FileStorage always references them. */
    CV_WRAP virtual void save(const String& path) const CV_OVERRIDE = 0;
    /** @brief The bytes save() writes, in memory (for loadFromBuffer()). */
    CV_WRAP virtual std::vector<uchar> saveToBuffer() const = 0;

    /** @brief The decision threshold: an image is anomalous when its score is above it. */
    CV_WRAP virtual float getThreshold() const = 0;
    /** @brief Sets the decision threshold by hand (getThresholdRule() becomes THRESHOLD_MANUAL).
        @param threshold a finite value */
    CV_WRAP virtual void setThreshold(float threshold) = 0;
    /** @brief Sets the decision threshold with the rule that chose it (e.g. chooseThreshold()'s), which the
        model keeps and save() writes.
        @param threshold a finite value
        @param rule the rule (ThresholdRule::check() must pass) */
    CV_WRAP virtual void setThreshold(float threshold, const ThresholdRule& rule) = 0;
    /** @brief A score on a fixed scale, whatever the fusion, the backbone or the threshold: 0 for a typical
        good image, 1 at the threshold, so that an image is anomalous exactly when its normalised score is
        above 1 (up to float rounding at the threshold itself): `1 + (score - threshold) / scale`, with
        `scale = max(threshold - mean, std)` of the fused scores of the calibration images. The calibration
        mean maps to 0 whenever the threshold is at least one std above it (the automatic rule puts it
        2 to 3 std above); a threshold at or below the mean keeps a positive scale of one std. A model
        saved before calibration scores were kept counts mean 0 and std 1 (calibrated scores' own).
        Result::normalizedScore is normalizeScore(Result::score, getThreshold()).
        @param score a score of predict() or Result::score (raw)
        @param threshold the threshold it is judged by: getThreshold(), or another one (the element's
        `threshold` property, a threshold being tried) */
    CV_WRAP virtual float normalizeScore(float score, float threshold) const = 0;
    /** @brief Which rule set the threshold: THRESHOLD_CALIBRATION after fit() and update() (with
        Params::thresholdQuantile, thresholdMargin and the number of calibration images), and for a model
        file that records no rule (one written before rules were recorded); otherwise the rule given to
        setThreshold(). */
    CV_WRAP virtual ThresholdRule getThresholdRule() const = 0;
    /** @brief The anomaly-map value above which a pixel is predicted defective (see "Pixel threshold"
        above); Result::pixelThreshold. */
    CV_WRAP virtual float getPixelThreshold() const = 0;
    /** @brief Sets the pixel threshold by hand (until the next fit() or update(), which compute it again).
        @param threshold a finite value; raises cv::Exception (StsBadArg) otherwise */
    CV_WRAP virtual void setPixelThreshold(float threshold) = 0;
    CV_WRAP virtual Params getParams() const = 0;
};

//! @}

}} // namespace cv::uniSLAD


#endif // OPENCV_UNISLAD_HPP
