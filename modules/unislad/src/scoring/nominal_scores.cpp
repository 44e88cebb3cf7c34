// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "precomp.hpp"
#include "scoring/nominal_scores.hpp"

namespace cv {
namespace uniSLAD {
namespace detail {

namespace {

/** The maps of all images, one per row (empty when the component is off). */
Mat packMaps(const std::vector<ComponentScores>& scores, Mat ComponentScores::*map)
{
    if (scores.empty() || (scores[0].*map).empty())
        return Mat();
    const int cells = (int)(scores[0].*map).total();
    Mat rows((int)scores.size(), cells, CV_32F);
    for (size_t i = 0; i < scores.size(); ++i) {
        const Mat& m = scores[i].*map;
        CV_Assert(m.type() == CV_32F && (int)m.total() == cells && m.isContinuous());
        m.reshape(1, 1).copyTo(rows.row((int)i));
    }
    return rows;
}

void unpackMaps(const Mat& rows, const char* name, int n, Mat ComponentScores::*map, std::vector<ComponentScores>& out)
{
    if (rows.empty())
        return;
    const int grid = (int)std::lround(std::sqrt((double)rows.cols));
    if (rows.type() != CV_32F || rows.dims != 2 || rows.rows != n || grid * grid != rows.cols)
        CV_Error(Error::StsBadSize, format("%s: expected %d rows of a square map each (CV_32F), found %s", name, n,
                                           describeMat(rows).c_str()));
    for (int i = 0; i < n; ++i)
        out[i].*map = rows.row(i).clone().reshape(1, grid);
}

} // namespace

NominalScoreTensors NominalScoreTensors::pack(const std::vector<ComponentScores>& scores)
{
    NominalScoreTensors t;
    t.patchLocal = packMaps(scores, &ComponentScores::patchLocal);
    t.patchGlobal = packMaps(scores, &ComponentScores::patchGlobal);
    t.scalars.create((int)scores.size(), 4, CV_32F);
    for (size_t i = 0; i < scores.size(); ++i) {
        float* s = t.scalars.ptr<float>((int)i);
        s[0] = scores[i].classWeight;
        s[1] = scores[i].imageLocal;
        s[2] = scores[i].imageGlobal;
        s[3] = scores[i].imageClass;
    }
    return t;
}

std::vector<ComponentScores> NominalScoreTensors::unpack() const
{
    if (scalars.type() != CV_32F || scalars.dims != 2 || scalars.cols != 4 || scalars.rows < 1)
        CV_Error(Error::StsBadSize, "calibration scores: expected N x 4 CV_32F, found " + describeMat(scalars));
    const int n = scalars.rows;
    std::vector<ComponentScores> out(n);
    unpackMaps(patchLocal, "local patch calibration scores", n, &ComponentScores::patchLocal, out);
    unpackMaps(patchGlobal, "global patch calibration scores", n, &ComponentScores::patchGlobal, out);
    for (int i = 0; i < n; ++i) {
        const float* s = scalars.ptr<float>(i);
        out[i].classWeight = s[0];
        out[i].imageLocal = s[1];
        out[i].imageGlobal = s[2];
        out[i].imageClass = s[3];
    }
    return out;
}

}}} // namespace cv::uniSLAD::detail
