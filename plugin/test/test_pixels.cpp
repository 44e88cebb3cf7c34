// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// The element's pixels: with overlay=false, every byte of every frame (row padding included) leaves the
// element as it came in, for each accepted format (RGB, BGR, BGRx, GRAY8); with overlay=true, the frames
// change. In both modes the buffers the element was given are never written: half of the frames are pushed
// while the test keeps a reference of its own (a shared, non-writable buffer, as behind a tee), and those
// buffers are compared with their original bytes after the run.
//
// The frames come from appsrc and are taken from appsink. A frame the test does not hold is handed over
// with its only reference (gst_app_src_push_buffer takes it), so the element sees it writable. The width,
// 62, gives RGB and GRAY8 rows padding (GStreamer rounds strides up to 4 bytes): the padding is filled with
// known bytes and checked too.
#include "plugin_test_util.hpp"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>

#include <opencv2/imgproc.hpp>

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <vector>

namespace opencv_test {
namespace {

using namespace unislad_gst_test;
namespace fs = std::filesystem;

const int kWidth = 62, kHeight = 46, kFramesPerFormat = 6;

/** One pushed frame: its bytes, and the buffer itself while the test holds a reference to it. */
struct Pushed
{
    std::vector<guint8> bytes;
    GstBuffer* held = nullptr;
};

std::vector<guint8> bufferBytes(GstBuffer* buffer)
{
    std::vector<guint8> bytes(gst_buffer_get_size(buffer));
    gst_buffer_extract(buffer, 0, bytes.data(), bytes.size());
    return bytes;
}

/** A frame of `format` in GStreamer's default layout for it (stride from GstVideoInfo), made from a BGR
    sample image; the row padding and BGRx's x byte carry known bytes of their own. */
GstBuffer* makeFrame(GstVideoFormat format, cv::RNG& rng, bool anomalous, int index)
{
    const cv::Mat bgr = sampleImage(rng, anomalous)(cv::Rect(0, 0, kWidth, kHeight));
    cv::Mat pixels;
    switch (format) {
    case GST_VIDEO_FORMAT_RGB: cv::cvtColor(bgr, pixels, cv::COLOR_BGR2RGB); break;
    case GST_VIDEO_FORMAT_BGRx: {
        cv::cvtColor(bgr, pixels, cv::COLOR_BGR2BGRA);
        cv::Mat x(pixels.size(), CV_8UC1);
        rng.fill(x, cv::RNG::UNIFORM, 0, 256);
        const int fromTo[] = { 0, 3 };
        cv::mixChannels(&x, 1, &pixels, 1, fromTo, 1);
        break;
    }
    case GST_VIDEO_FORMAT_GRAY8: cv::cvtColor(bgr, pixels, cv::COLOR_BGR2GRAY); break;
    default: pixels = bgr.clone(); break;
    }
    GstVideoInfo vi;
    gst_video_info_set_format(&vi, format, kWidth, kHeight);
    GstBuffer* buffer = gst_buffer_new_allocate(nullptr, GST_VIDEO_INFO_SIZE(&vi), nullptr);
    GstMapInfo map;
    gst_buffer_map(buffer, &map, GST_MAP_WRITE);
    for (gsize i = 0; i < map.size; ++i)
        map.data[i] = (guint8)(0xA5 ^ i);  // the padding keeps these
    const int stride = GST_VIDEO_INFO_PLANE_STRIDE(&vi, 0);
    for (int y = 0; y < kHeight; ++y)
        std::memcpy(map.data + (size_t)y * stride, pixels.ptr(y), pixels.cols * pixels.elemSize());
    gst_buffer_unmap(buffer, &map);
    GST_BUFFER_PTS(buffer) = (GstClockTime)index * 100 * GST_MSECOND;
    GST_BUFFER_DURATION(buffer) = 100 * GST_MSECOND;
    return buffer;
}

/** What one run through appsrc ! unislad ! appsink produced. */
struct PixelRun
{
    std::vector<Pushed> pushed;
    std::vector<std::vector<guint8>> out;  // the bytes of each buffer at the sink
    int messages = 0;                      // "unislad" element messages
    std::string error;

    PixelRun() = default;
    PixelRun(const PixelRun&) = delete;
    PixelRun& operator=(const PixelRun&) = delete;
    ~PixelRun()
    {
        for (Pushed& p : pushed)
            if (p.held)
                gst_buffer_unref(p.held);
    }
};

void runFrames(const std::string& model, const char* format, bool overlay, PixelRun& run)
{
    const std::string description =
        std::string("appsrc name=src format=time caps=video/x-raw,format=") + format + ",width=" +
        std::to_string(kWidth) + ",height=" + std::to_string(kHeight) + ",framerate=10/1 ! unislad model-location=" +
        model + " overlay=" + (overlay ? "true" : "false") + " ! appsink name=sink sync=false";
    GError* parseError = nullptr;
    GstElement* pipeline = gst_parse_launch(description.c_str(), &parseError);
    if (parseError) {
        run.error = std::string("parse: ") + parseError->message;
        g_error_free(parseError);
        if (pipeline)
            gst_object_unref(pipeline);
        return;
    }
    GstElement* src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
    GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
    gst_element_set_state(pipeline, GST_STATE_PLAYING);

    const GstVideoFormat videoFormat = gst_video_format_from_string(format);
    cv::RNG rng(11);
    for (int i = 0; i < kFramesPerFormat; ++i) {
        GstBuffer* buffer = makeFrame(videoFormat, rng, i % 3 == 2, i);
        Pushed p;
        p.bytes = bufferBytes(buffer);
        // Every other frame the test keeps a reference of its own: the buffer is shared, not writable.
        if (i % 2 == 0)
            p.held = gst_buffer_ref(buffer);
        run.pushed.push_back(std::move(p));
        if (gst_app_src_push_buffer(GST_APP_SRC(src), buffer) != GST_FLOW_OK)  // takes `buffer`
            break;
    }
    gst_app_src_end_of_stream(GST_APP_SRC(src));

    // A sample, or NULL at EOS; an error stops the stream without EOS, hence the timeout (the bus says why).
    while (true) {
        GstSample* sample = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 60 * GST_SECOND);
        if (!sample) {
            if (!gst_app_sink_is_eos(GST_APP_SINK(sink)))
                run.error = "no EOS";
            break;
        }
        run.out.push_back(bufferBytes(gst_sample_get_buffer(sample)));
        gst_sample_unref(sample);
    }
    GstBus* bus = gst_element_get_bus(pipeline);
    while (GstMessage* msg = gst_bus_pop_filtered(bus, (GstMessageType)(GST_MESSAGE_ERROR | GST_MESSAGE_ELEMENT))) {
        if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
            GError* err = nullptr;
            gst_message_parse_error(msg, &err, nullptr);
            run.error = err->message;  // the reason, rather than "no EOS"
            g_error_free(err);
        } else if (gst_message_get_structure(msg) && gst_structure_has_name(gst_message_get_structure(msg), "unislad")) {
            ++run.messages;
        }
        gst_message_unref(msg);
    }
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(bus);
    gst_object_unref(sink);
    gst_object_unref(src);
    gst_object_unref(pipeline);
}

class UniSLAD_GstPixels : public ::testing::TestWithParam<const char*>
{
protected:
    static void SetUpTestCase()
    {
        const std::string dir = (fs::path(UNISLAD_PLUGIN_TEST_TMP) / "pixels").string();
        fs::remove_all(dir);
        fs::create_directories(dir);
        model = dir + "/model.unislad";
        fitAndSave(model);
    }
    static std::string model;
};
std::string UniSLAD_GstPixels::model;

TEST_P(UniSLAD_GstPixels, overlay_off_passes_every_byte_unchanged)
{
    PixelRun run;
    runFrames(model, GetParam(), false, run);
    ASSERT_TRUE(run.error.empty()) << run.error;
    ASSERT_EQ((size_t)kFramesPerFormat, run.pushed.size());
    ASSERT_EQ((size_t)kFramesPerFormat, run.out.size());
    EXPECT_EQ(kFramesPerFormat, run.messages) << "every frame is scored";
    for (int i = 0; i < kFramesPerFormat; ++i) {
        SCOPED_TRACE(i);
        EXPECT_TRUE(run.out[i] == run.pushed[i].bytes) << "the frame left the element changed";
        if (run.pushed[i].held) {
            EXPECT_TRUE(bufferBytes(run.pushed[i].held) == run.pushed[i].bytes) << "a shared input buffer was written";
        }
    }
}

TEST_P(UniSLAD_GstPixels, overlay_on_draws_on_the_frames_but_never_on_shared_input)
{
    PixelRun run;
    runFrames(model, GetParam(), true, run);
    ASSERT_TRUE(run.error.empty()) << run.error;
    ASSERT_EQ((size_t)kFramesPerFormat, run.pushed.size());
    ASSERT_EQ((size_t)kFramesPerFormat, run.out.size());
    for (int i = 0; i < kFramesPerFormat; ++i) {
        SCOPED_TRACE(i);
        ASSERT_EQ(run.pushed[i].bytes.size(), run.out[i].size());
        // The verdict box is drawn on every frame.
        EXPECT_FALSE(run.out[i] == run.pushed[i].bytes) << "overlay=true left the frame unchanged";
        if (run.pushed[i].held) {
            EXPECT_TRUE(bufferBytes(run.pushed[i].held) == run.pushed[i].bytes)
                << "the overlay was drawn into a buffer the element did not own";
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Formats, UniSLAD_GstPixels, ::testing::Values("RGB", "BGR", "BGRx", "GRAY8"));

}} // namespace opencv_test::<anonymous>

int main(int argc, char** argv)
{
    gst_init(&argc, &argv);
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
