// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "plugin_test_util.hpp"
#include "tiny_detector.hpp"

#include <opencv2/imgproc.hpp>

#include <cmath>
#include <limits>

namespace unislad_gst_test {

cv::Mat sampleImage(cv::RNG& rng, bool anomalous)
{
    cv::Mat img(64, 64, CV_8UC3);
    rng.fill(img, cv::RNG::UNIFORM, 90, 140);
    cv::GaussianBlur(img, img, cv::Size(), 1.5);
    cv::circle(img, cv::Point(rng.uniform(24, 40), rng.uniform(24, 40)), 10, cv::Scalar(40, 60, 80), -1);
    if (anomalous)
        cv::circle(img, cv::Point(rng.uniform(12, 52), rng.uniform(12, 52)), 9, cv::Scalar(255, 255, 255), -1);
    return img;
}

cv::Ptr<cv::uniSLAD::UniSLAD> fitAndSave(const std::string& path, int count)
{
    const cv::uniSLAD::Params p = tinyDetectorParams(UNISLAD_TINY_BACKBONE);
    cv::RNG rng(1);
    std::vector<cv::Mat> train;
    for (int i = 0; i < count; ++i)
        train.push_back(sampleImage(rng, false));
    cv::Ptr<cv::uniSLAD::UniSLAD> model = cv::uniSLAD::UniSLAD::create(p);
    model->fit(train);
    model->save(path);
    return model;
}

RunResult::~RunResult()
{
    for (GstStructure* s : messages)
        gst_structure_free(s);
}

double field(const GstStructure* s, const char* name)
{
    double v = std::numeric_limits<double>::quiet_NaN();
    if (!gst_structure_get_double(s, name, &v))
        return std::numeric_limits<double>::quiet_NaN();
    return v;
}

namespace {

struct ProbeData
{
    RunResult* result;
    bool keepFrames;
};

GstPadProbeReturn onBuffer(GstPad* pad, GstPadProbeInfo* info, gpointer data)
{
    ProbeData* d = static_cast<ProbeData*>(data);
    GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
    std::vector<cv::Rect> boxes;
    gpointer state = nullptr;
    while (GstMeta* meta = gst_buffer_iterate_meta_filtered(buffer, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE)) {
        const GstVideoRegionOfInterestMeta* roi = reinterpret_cast<const GstVideoRegionOfInterestMeta*>(meta);
        if (roi->roi_type == g_quark_from_string("anomaly"))
            boxes.emplace_back((int)roi->x, (int)roi->y, (int)roi->w, (int)roi->h);
    }
    d->result->regions.push_back(boxes);
    if (d->keepFrames) {
        GstCaps* caps = gst_pad_get_current_caps(pad);
        GstVideoInfo vi;
        GstVideoFrame frame;
        if (caps && gst_video_info_from_caps(&vi, caps) && gst_video_frame_map(&frame, &vi, buffer, GST_MAP_READ)) {
            const int type = CV_8UC(GST_VIDEO_INFO_COMP_PSTRIDE(&vi, 0) > 0 ? GST_VIDEO_INFO_COMP_PSTRIDE(&vi, 0) : 1);
            const cv::Mat view(GST_VIDEO_FRAME_HEIGHT(&frame), GST_VIDEO_FRAME_WIDTH(&frame), type,
                               GST_VIDEO_FRAME_PLANE_DATA(&frame, 0), (size_t)GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0));
            d->result->frames.push_back(view.clone());
            gst_video_frame_unmap(&frame);
        } else {
            d->result->frames.push_back(cv::Mat());
        }
        if (caps)
            gst_caps_unref(caps);
    }
    return GST_PAD_PROBE_OK;
}

} // namespace

void runPipeline(const std::string& description, double timeoutSeconds, RunResult& result, bool keepFrames)
{
    GError* parseError = nullptr;
    GstElement* pipeline = gst_parse_launch(description.c_str(), &parseError);
    if (parseError) {
        result.error = std::string("parse: ") + parseError->message;
        g_error_free(parseError);
        if (pipeline)
            gst_object_unref(pipeline);
        return;
    }
    ProbeData probe{ &result, keepFrames };
    if (GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink")) {
        GstPad* pad = gst_element_get_static_pad(sink, "sink");
        gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, onBuffer, &probe, nullptr);
        gst_object_unref(pad);
        gst_object_unref(sink);
    }
    GstBus* bus = gst_element_get_bus(pipeline);
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    const gint64 deadline = g_get_monotonic_time() + (gint64)(timeoutSeconds * 1e6);
    while (true) {
        const gint64 left = deadline - g_get_monotonic_time();
        if (left <= 0) {
            result.timedOut = true;
            break;
        }
        GstMessage* msg = gst_bus_timed_pop_filtered(
            bus, (GstClockTime)left * 1000, (GstMessageType)(GST_MESSAGE_ERROR | GST_MESSAGE_EOS | GST_MESSAGE_ELEMENT));
        if (!msg)
            continue;
        bool done = false;
        if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ELEMENT) {
            const GstStructure* s = gst_message_get_structure(msg);
            if (s && gst_structure_has_name(s, "unislad"))
                result.messages.push_back(gst_structure_copy(s));
        } else if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
            GError* err = nullptr;
            gchar* debug = nullptr;
            gst_message_parse_error(msg, &err, &debug);
            result.errorDomain = err->domain;
            result.errorCode = err->code;
            result.error = std::string(g_quark_to_string(err->domain)) + ":" + std::to_string(err->code) + ": " +
                           err->message + " | " + (debug ? debug : "");
            g_error_free(err);
            g_free(debug);
            done = true;
        } else {
            result.eos = true;
            done = true;
        }
        gst_message_unref(msg);
        if (done)
            break;
    }
    result.stoppedCleanly = gst_element_set_state(pipeline, GST_STATE_NULL) == GST_STATE_CHANGE_SUCCESS;
    // Element messages posted after EOS (none expected) are drained with the bus.
    gst_object_unref(bus);
    gst_object_unref(pipeline);
}

} // namespace unislad_gst_test
