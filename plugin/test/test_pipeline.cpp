// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// The `unislad` element in real pipelines (multifilesrc ! pngdec ! videoconvert ! unislad ! fakesink) over
// generated PNG images, against the library itself: UniSLAD::load(model)->detect() on the same images
// decoded by cv::imread. pngdec + videoconvert to BGR gives exactly cv::imread's pixels for 8-bit RGB PNGs
// (checked below), so the scores must agree to float precision (EXPECT_FLOAT_EQ: 4 ULPs).
#include "plugin_test_util.hpp"
#include "overlay.hpp"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace opencv_test {
namespace {

using namespace unislad_gst_test;
namespace fs = std::filesystem;

const int kGood = 6, kBad = 6, kFrames = kGood + kBad;

/** Test images img_000.png .. (the first kGood nominal, then kBad anomalous) and a fitted model. */
class UniSLAD_GstElement : public ::testing::Test
{
protected:
    static void SetUpTestCase()
    {
        dir = (fs::path(UNISLAD_PLUGIN_TEST_TMP) / "pipeline").string();
        fs::remove_all(dir);
        fs::create_directories(dir);
        model = dir + "/model.unislad";
        detector = fitAndSave(model);
        cv::RNG rng(7);
        for (int i = 0; i < kFrames; ++i) {
            const cv::Mat img = sampleImage(rng, i >= kGood);
            ASSERT_TRUE(cv::imwrite(imagePath(i), img));
            images.push_back(cv::imread(imagePath(i), cv::IMREAD_COLOR));
        }
    }
    static void TearDownTestCase() { detector.release(); }

    static std::string imagePath(int i) { return cv::format("%s/img_%03d.png", dir.c_str(), i); }
    /** The file source and decoder, ending in `format`. */
    static std::string source(const std::string& format)
    {
        return "multifilesrc location=" + dir + "/img_%03d.png index=0 stop-index=" + std::to_string(kFrames - 1) +
               " caps=image/png,framerate=10/1 ! pngdec ! videoconvert ! video/x-raw,format=" + format + " ! ";
    }

    static std::string dir, model;
    static cv::Ptr<cv::uniSLAD::UniSLAD> detector;
    static std::vector<cv::Mat> images;
};
std::string UniSLAD_GstElement::dir, UniSLAD_GstElement::model;
cv::Ptr<cv::uniSLAD::UniSLAD> UniSLAD_GstElement::detector;
std::vector<cv::Mat> UniSLAD_GstElement::images;

TEST_F(UniSLAD_GstElement, scores_equal_the_library_for_every_format)
{
    const cv::Ptr<cv::uniSLAD::UniSLAD> loaded = cv::uniSLAD::UniSLAD::load(model);
    for (const char* format : { "BGR", "RGB", "BGRx" }) {
        SCOPED_TRACE(format);
        RunResult run;
        runPipeline(source(format) + "unislad model-location=" + model + " ! fakesink name=sink", 60, run);
        ASSERT_TRUE(run.eos) << run.error;
        EXPECT_TRUE(run.stoppedCleanly);
        ASSERT_EQ((size_t)kFrames, run.messages.size());
        int flaggedBad = 0, flaggedGood = 0;
        for (int i = 0; i < kFrames; ++i) {
            SCOPED_TRACE(i);
            const GstStructure* s = run.messages[i];
            const cv::uniSLAD::Result r = loaded->detect(images[i]);
            EXPECT_FLOAT_EQ(loaded->predict(images[i]), (float)field(s, "score"));
            EXPECT_FLOAT_EQ(r.patchLocal, (float)field(s, "patch-local"));
            EXPECT_FLOAT_EQ(r.patchGlobal, (float)field(s, "patch-global"));
            EXPECT_FLOAT_EQ(r.classWeight, (float)field(s, "class-weight"));
            EXPECT_FLOAT_EQ(r.patchScore, (float)field(s, "patch-score"));
            EXPECT_FLOAT_EQ(r.imageLocal, (float)field(s, "image-local"));
            EXPECT_FLOAT_EQ(r.imageGlobal, (float)field(s, "image-global"));
            EXPECT_FLOAT_EQ(r.imageClass, (float)field(s, "image-class"));
            EXPECT_FLOAT_EQ(r.imageScore, (float)field(s, "image-score"));
            EXPECT_FLOAT_EQ(loaded->getThreshold(), (float)field(s, "threshold"));
            EXPECT_FLOAT_EQ(r.normalizedScore, (float)field(s, "normalized-score"));
            gboolean anomalous = FALSE;
            ASSERT_TRUE(gst_structure_get_boolean(s, "is-anomaly", &anomalous));
            EXPECT_EQ(r.score > loaded->getThreshold(), (bool)anomalous);
            (i >= kGood ? flaggedBad : flaggedGood) += anomalous ? 1 : 0;
            // 10 frames a second from multifilesrc: timestamps, running and stream time i x 100 ms.
            guint64 ts = 0, running = 0, stream = 0, duration = 0;
            ASSERT_TRUE(gst_structure_get_uint64(s, "timestamp", &ts));
            ASSERT_TRUE(gst_structure_get_uint64(s, "running-time", &running));
            ASSERT_TRUE(gst_structure_get_uint64(s, "stream-time", &stream));
            ASSERT_TRUE(gst_structure_get_uint64(s, "duration", &duration));
            EXPECT_EQ((guint64)i * 100 * GST_MSECOND, ts);
            EXPECT_EQ(ts, running);
            EXPECT_EQ(ts, stream);
            EXPECT_EQ(100 * GST_MSECOND, duration);
        }
        EXPECT_EQ(kBad, flaggedBad) << "every image with a defect is flagged";
        EXPECT_EQ(0, flaggedGood) << "no nominal image is flagged";
    }
}

TEST_F(UniSLAD_GstElement, passthrough_frames_equal_imread_and_regions_cover_the_map)
{
    RunResult run;
    runPipeline(source("BGR") + "unislad model-location=" + model + " ! fakesink name=sink", 60, run, true);
    ASSERT_TRUE(run.eos) << run.error;
    ASSERT_EQ((size_t)kFrames, run.frames.size());
    ASSERT_EQ((size_t)kFrames, run.regions.size());
    const float threshold = detector->getPixelThreshold();   // the regions' threshold (the verdict's is getThreshold)
    for (int i = 0; i < kFrames; ++i) {
        SCOPED_TRACE(i);
        // The decoded pixels are cv::imread's, and the element (overlay off) leaves them untouched.
        ASSERT_EQ(images[i].size(), run.frames[i].size());
        EXPECT_EQ(0, cv::norm(images[i], run.frames[i], cv::NORM_INF));
        const cv::uniSLAD::Result r = detector->detect(images[i]);
        const cv::Mat above = r.anomalyMap > threshold;
        if (!r.isAnomaly || cv::countNonZero(above) == 0) {
            EXPECT_TRUE(run.regions[i].empty()) << "regions only for anomalous frames";
            continue;
        }
        ASSERT_FALSE(run.regions[i].empty());
        // Every pixel above the threshold lies in a box, and every box is tight: each of its four edges
        // holds a pixel above the threshold.
        cv::Mat covered = cv::Mat::zeros(above.size(), CV_8U);
        for (const cv::Rect& box : run.regions[i]) {
            ASSERT_EQ(box, box & cv::Rect(cv::Point(), above.size()));
            covered(box).setTo(255);
            const cv::Mat b = above(box);
            EXPECT_GT(cv::countNonZero(b.row(0)), 0);
            EXPECT_GT(cv::countNonZero(b.row(b.rows - 1)), 0);
            EXPECT_GT(cv::countNonZero(b.col(0)), 0);
            EXPECT_GT(cv::countNonZero(b.col(b.cols - 1)), 0);
        }
        EXPECT_EQ(0, cv::countNonZero(above & ~covered));
    }
}

TEST_F(UniSLAD_GstElement, overlay_changes_only_the_heat_map_and_the_verdict)
{
    RunResult run;
    runPipeline(source("BGR") + "unislad model-location=" + model + " overlay=true overlay-alpha=0.6 ! fakesink name=sink",
                60, run, true);
    ASSERT_TRUE(run.eos) << run.error;
    ASSERT_EQ((size_t)kFrames, run.frames.size());
    const float threshold = detector->getPixelThreshold();   // the heat map's threshold
    int heatPixelsChanged = 0;
    for (int i = 0; i < kFrames; ++i) {
        SCOPED_TRACE(i);
        const cv::uniSLAD::Result r = detector->detect(images[i]);
        cv::Mat drawn = r.anomalyMap > threshold;
        drawn(unislad_gst::verdictBox(drawn.size())).setTo(255);
        cv::Mat diff;
        cv::absdiff(images[i], run.frames[i], diff);
        cv::Mat changed;
        cv::cvtColor(diff, changed, cv::COLOR_BGR2GRAY);
        changed = changed > 0;
        EXPECT_EQ(0, cv::countNonZero(changed & ~drawn)) << "pixels changed outside the heat map and verdict";
        cv::Mat heat = (r.anomalyMap > threshold);
        heat(unislad_gst::verdictBox(heat.size())).setTo(0);
        heatPixelsChanged += cv::countNonZero(changed & heat);
        // The verdict box is always drawn.
        EXPECT_GT(cv::countNonZero(changed(unislad_gst::verdictBox(changed.size()))), 0);
    }
    EXPECT_GT(heatPixelsChanged, 0) << "the heat map is drawn on the anomalous frames";
}

TEST_F(UniSLAD_GstElement, updates_and_threshold_properties)
{
    int expectedAnomalies = 0;
    for (const cv::Mat& img : images)
        expectedAnomalies += detector->predict(img) > detector->getThreshold();
    {
        RunResult run;
        runPipeline(source("BGR") + "unislad model-location=" + model + " updates=anomalies-only ! fakesink", 60, run);
        ASSERT_TRUE(run.eos) << run.error;
        EXPECT_EQ((size_t)expectedAnomalies, run.messages.size());
    }
    {
        RunResult run;
        runPipeline(source("BGR") + "unislad model-location=" + model + " updates=none ! fakesink", 60, run);
        ASSERT_TRUE(run.eos) << run.error;
        EXPECT_TRUE(run.messages.empty());
    }
    {
        // A threshold below every score flags every frame; the messages carry it.
        RunResult run;
        runPipeline(source("BGR") + "unislad model-location=" + model + " threshold=-1e9 ! fakesink", 60, run);
        ASSERT_TRUE(run.eos) << run.error;
        ASSERT_EQ((size_t)kFrames, run.messages.size());
        for (const GstStructure* s : run.messages) {
            gboolean anomalous = FALSE;
            gst_structure_get_boolean(s, "is-anomaly", &anomalous);
            EXPECT_TRUE(anomalous);
            EXPECT_EQ(-1e9, field(s, "threshold"));
            EXPECT_GT(field(s, "normalized-score"), 1.0);   // judged by the property's threshold, not the model's
        }
    }
}

TEST_F(UniSLAD_GstElement, threshold_property_reads_the_model_threshold_once_loaded)
{
    GstElement* e = gst_element_factory_make("unislad", nullptr);
    ASSERT_TRUE(e != nullptr);
    gdouble t = 0;
    g_object_get(e, "threshold", &t, nullptr);
    EXPECT_EQ(G_MAXDOUBLE, t) << "unset before a model is loaded";
    g_object_set(e, "model-location", model.c_str(), nullptr);
    ASSERT_EQ(GST_STATE_CHANGE_SUCCESS, gst_element_set_state(e, GST_STATE_PAUSED));
    g_object_get(e, "threshold", &t, nullptr);
    EXPECT_EQ((double)detector->getThreshold(), t);
    g_object_set(e, "threshold", 2.5, nullptr);
    g_object_get(e, "threshold", &t, nullptr);
    EXPECT_EQ(2.5, t);
    gdouble pt = 0;
    g_object_get(e, "pixel-threshold", &pt, nullptr);
    EXPECT_EQ((double)detector->getPixelThreshold(), pt) << "the model's pixel threshold, apart from threshold";
    g_object_set(e, "pixel-threshold", 1.25, nullptr);
    g_object_get(e, "pixel-threshold", &pt, nullptr);
    EXPECT_EQ(1.25, pt);
    gst_element_set_state(e, GST_STATE_NULL);
    gst_object_unref(e);
}

TEST_F(UniSLAD_GstElement, missing_model_fails_the_pipeline_naming_the_file)
{
    const std::string missing = dir + "/no_such_model.unislad";
    RunResult run;
    runPipeline(source("BGR") + "unislad model-location=" + missing + " ! fakesink", 30, run);
    EXPECT_FALSE(run.eos);
    EXPECT_FALSE(run.timedOut);
    EXPECT_EQ(GST_RESOURCE_ERROR, run.errorDomain);
    EXPECT_EQ(GST_RESOURCE_ERROR_NOT_FOUND, run.errorCode);
    EXPECT_NE(std::string::npos, run.error.find(missing)) << run.error;
    EXPECT_TRUE(run.messages.empty());
}

TEST_F(UniSLAD_GstElement, corrupt_or_absent_model_fails_the_pipeline)
{
    const std::string corrupt = dir + "/corrupt.unislad";
    std::ofstream(corrupt, std::ios::binary) << "not a UniSLAD model";
    {
        RunResult run;
        runPipeline(source("BGR") + "unislad model-location=" + corrupt + " ! fakesink", 30, run);
        EXPECT_FALSE(run.eos);
        EXPECT_EQ(GST_RESOURCE_ERROR, run.errorDomain);
        EXPECT_EQ(GST_RESOURCE_ERROR_OPEN_READ, run.errorCode);
        EXPECT_NE(std::string::npos, run.error.find("Could not load the UniSLAD model '" + corrupt + "'")) << run.error;
    }
    {
        RunResult run;
        runPipeline(source("BGR") + "unislad ! fakesink", 30, run);
        EXPECT_FALSE(run.eos);
        EXPECT_NE(std::string::npos, run.error.find("model-location")) << run.error;
    }
}

TEST_F(UniSLAD_GstElement, roi_location_checks_the_models_region_and_overlay_outlines_it)
{
    // A model fitted with a region: the frames score as the library scores them, and the overlay draws the
    // region's outline.
    cv::Mat roi(64, 64, CV_8U, cv::Scalar(0));
    roi(cv::Rect(8, 8, 48, 48)).setTo(255);
    const std::string roiPath = dir + "/roi.png", otherPath = dir + "/other_roi.png", roiModel = dir + "/roi.unislad";
    ASSERT_TRUE(cv::imwrite(roiPath, roi));
    cv::Mat other = cv::Mat::zeros(64, 64, CV_8U);
    other(cv::Rect(0, 0, 32, 64)).setTo(255);
    ASSERT_TRUE(cv::imwrite(otherPath, other));
    cv::uniSLAD::Params p = detector->getParams();
    p.roi = roi;
    cv::Ptr<cv::uniSLAD::UniSLAD> d = cv::uniSLAD::UniSLAD::create(p);
    cv::RNG rng(1);
    std::vector<cv::Mat> train;
    for (int i = 0; i < 24; ++i)
        train.push_back(sampleImage(rng, false));
    d->fit(train);
    d->save(roiModel);
    {
        RunResult run;
        runPipeline(source("BGR") + "unislad model-location=" + roiModel + " roi-location=" + roiPath +
                    " overlay=true ! fakesink name=sink", 60, run, true);
        ASSERT_TRUE(run.eos) << run.error;
        ASSERT_EQ((size_t)kFrames, run.messages.size());
        ASSERT_EQ((size_t)kFrames, run.frames.size());
        for (int i = 0; i < kFrames; ++i) {
            EXPECT_FLOAT_EQ(d->predict(images[i]), (float)field(run.messages[i], "score")) << i;
            // The outline: white on the square's border below the verdict box.
            const cv::Vec3b onBorder = run.frames[i].at<cv::Vec3b>(40, 8);
            EXPECT_EQ(cv::Vec3b(255, 255, 255), onBorder) << i;
        }
    }
    // Another region, or a model without one, fails the pipeline naming both files.
    for (const auto& c : { std::make_pair(roiModel, otherPath), std::make_pair(model, roiPath) }) {
        RunResult run;
        runPipeline(source("BGR") + "unislad model-location=" + c.first + " roi-location=" + c.second + " ! fakesink",
                    30, run);
        EXPECT_FALSE(run.eos);
        EXPECT_EQ(GST_RESOURCE_ERROR, run.errorDomain);
        EXPECT_EQ(GST_RESOURCE_ERROR_SETTINGS, run.errorCode);
        EXPECT_NE(std::string::npos, run.error.find(c.first)) << run.error;
        EXPECT_NE(std::string::npos, run.error.find(c.second)) << run.error;
        EXPECT_TRUE(run.messages.empty());
    }
    {
        RunResult run;
        runPipeline(source("BGR") + "unislad model-location=" + roiModel + " roi-location=" + dir + " ! fakesink", 30, run);
        EXPECT_EQ(GST_RESOURCE_ERROR_NOT_FOUND, run.errorCode);
        EXPECT_NE(std::string::npos, run.error.find("not a regular file")) << run.error;
    }
}

TEST_F(UniSLAD_GstElement, properties_change_while_streaming)
{
    // The streaming thread scores frames while this thread flips overlay (and with it passthrough),
    // threshold and updates: every frame still ends at the sink and the stream ends with EOS.
    const int frames = 150;
    GError* error = nullptr;
    GstElement* pipeline = gst_parse_launch(
        ("videotestsrc num-buffers=" + std::to_string(frames) + " ! video/x-raw,format=BGRx,width=64,height=48 ! "
         "unislad name=u model-location=" + model + " ! fakesink name=sink").c_str(), &error);
    ASSERT_TRUE(error == nullptr) << error->message;
    GstElement* u = gst_bin_get_by_name(GST_BIN(pipeline), "u");
    GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
    ASSERT_EQ(GST_STATE_CHANGE_ASYNC, gst_element_set_state(pipeline, GST_STATE_PLAYING));
    GstBus* bus = gst_element_get_bus(pipeline);
    GstMessage* end = nullptr;
    for (int i = 0; !end && i < 10000; ++i) {
        g_object_set(u, "overlay", (gboolean)(i % 2), "threshold", (i % 3) ? 1e9 : -1e9, "updates", i % 3,
                     "overlay-alpha", (i % 5) / 4.0, nullptr);
        end = gst_bus_pop_filtered(bus, (GstMessageType)(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
        g_usleep(200);
    }
    ASSERT_TRUE(end != nullptr) << "no EOS";
    EXPECT_EQ(GST_MESSAGE_EOS, GST_MESSAGE_TYPE(end));
    gst_message_unref(end);
    GstStructure* stats = nullptr;
    g_object_get(sink, "stats", &stats, nullptr);
    guint64 rendered = 0;
    ASSERT_TRUE(stats && gst_structure_get_uint64(stats, "rendered", &rendered));
    EXPECT_EQ((guint64)frames, rendered);
    gst_structure_free(stats);
    EXPECT_EQ(GST_STATE_CHANGE_SUCCESS, gst_element_set_state(pipeline, GST_STATE_NULL));
    gst_object_unref(bus);
    gst_object_unref(sink);
    gst_object_unref(u);
    gst_object_unref(pipeline);
}

TEST_F(UniSLAD_GstElement, gray_frames_are_scored)
{
    // videoconvert's RGB to GRAY8 differs from cv::cvtColor's luma: only count the messages here.
    RunResult run;
    runPipeline(source("GRAY8") + "unislad model-location=" + model + " overlay=true ! fakesink name=sink", 60, run, true);
    ASSERT_TRUE(run.eos) << run.error;
    EXPECT_EQ((size_t)kFrames, run.messages.size());
    ASSERT_EQ((size_t)kFrames, run.frames.size());
    EXPECT_EQ(CV_8UC1, run.frames[0].type());
}

}} // namespace opencv_test::<anonymous>

int main(int argc, char** argv)
{
    gst_init(&argc, &argv);
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
