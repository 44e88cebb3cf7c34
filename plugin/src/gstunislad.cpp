// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.

/**
 * SECTION:element-unislad
 *
 * Scores every video frame with a fitted UniSLAD model (structural and logical anomalies). For each
 * inspected frame it posts an element message named "unislad" on the bus (timestamp, stream-time,
 * running-time, duration, score, is-anomaly, threshold, normalized-score (1 at the threshold in use),
 * pixel-threshold, the component scores, regions), attaches a region-of-interest meta of type "anomaly" to
 * the buffer for each region of the anomaly map above the pixel threshold of an anomalous frame
 * (cv::uniSLAD::findAnomalyRegions: the regions of `unislad detect`), and with overlay=true draws the heat
 * map and the verdict on the frame. The verdict uses the decision threshold (on the score), the regions and
 * the heat map the pixel threshold (on the anomaly map, which has a scale of its own); each is the model's
 * unless set.
 * Without overlay the element is in passthrough: the pixels are read, never written or copied.
 *
 * gst-launch-1.0 multifilesrc location="img_%03d.png" caps="image/png,framerate=5/1" ! pngdec ! videoconvert !
 *     unislad model-location=part.unislad overlay=true ! videoconvert ! autovideosink
 */
#include "gstunislad.h"

#include "overlay.hpp"
#include "regions.hpp"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/unislad.hpp>

#include <exception>
#include <new>
#include <string>

GST_DEBUG_CATEGORY_STATIC(gst_unislad_debug);
#define GST_CAT_DEFAULT gst_unislad_debug

namespace {

// The `threshold` and `pixel-threshold` properties' default: use the model's own threshold.
const double kModelThreshold = G_MAXDOUBLE;
const double kDefaultOverlayAlpha = 0.5;

enum
{
    PROP_0,
    PROP_MODEL_LOCATION,
    PROP_THRESHOLD,
    PROP_OVERLAY,
    PROP_OVERLAY_ALPHA,
    PROP_BACKEND,
    PROP_UPDATES,
    PROP_ROI_LOCATION,
    PROP_PIXEL_THRESHOLD,
};

/** What one frame needs of the properties, copied under the object lock. */
struct Settings
{
    double threshold = kModelThreshold;
    double pixelThreshold = kModelThreshold;
    bool overlay = false;
    double overlayAlpha = kDefaultOverlayAlpha;
    int updates = GST_UNISLAD_UPDATES_EVERY_FRAME;
};

} // namespace

// Every field is guarded by GST_OBJECT_LOCK. The streaming thread copies what it needs at the start of
// each frame (the model as a reference-counted pointer), so property changes never race with it.
struct _GstUniSLADPrivate
{
    Settings settings;
    std::string modelLocation;
    std::string roiLocation;
    int backend = GST_UNISLAD_BACKEND_CPU;
    cv::Ptr<cv::uniSLAD::UniSLAD> model;  // loaded in start(), released in stop()
    float modelThreshold = 0;
    float modelPixelThreshold = 0;
    cv::Mat modelRoi;  // the model's region of interest (empty: the whole frame), outlined by the overlay
};

#define VIDEO_CAPS GST_VIDEO_CAPS_MAKE("{ BGR, RGB, BGRx, GRAY8 }")

static GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS(VIDEO_CAPS));
static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS(VIDEO_CAPS));

#define GST_TYPE_UNISLAD_UPDATES (gst_unislad_updates_get_type())
static GType gst_unislad_updates_get_type(void)
{
    static gsize id = 0;
    static const GEnumValue values[] = {
        { GST_UNISLAD_UPDATES_EVERY_FRAME, "A message for every frame", "every-frame" },
        { GST_UNISLAD_UPDATES_ANOMALIES_ONLY, "A message for anomalous frames only", "anomalies-only" },
        { GST_UNISLAD_UPDATES_NONE, "No messages", "none" },
        { 0, nullptr, nullptr },
    };
    if (g_once_init_enter(&id))
        g_once_init_leave(&id, g_enum_register_static("GstUniSLADUpdates", values));
    return (GType)id;
}

#define GST_TYPE_UNISLAD_BACKEND (gst_unislad_backend_get_type())
static GType gst_unislad_backend_get_type(void)
{
    static gsize id = 0;
    static const GEnumValue values[] = {
        { GST_UNISLAD_BACKEND_CPU, "OpenCV's CPU implementation", "cpu" },
        { GST_UNISLAD_BACKEND_CUDA, "OpenCV's CUDA backend (the CPU, with a warning, when OpenCV has none)", "cuda" },
        { 0, nullptr, nullptr },
    };
    if (g_once_init_enter(&id))
        g_once_init_leave(&id, g_enum_register_static("GstUniSLADBackend", values));
    return (GType)id;
}

G_DEFINE_TYPE(GstUniSLAD, gst_unislad, GST_TYPE_VIDEO_FILTER)

static void gst_unislad_set_property(GObject* object, guint prop_id, const GValue* value, GParamSpec* pspec);
static void gst_unislad_get_property(GObject* object, guint prop_id, GValue* value, GParamSpec* pspec);
static void gst_unislad_finalize(GObject* object);
static gboolean gst_unislad_start(GstBaseTransform* trans);
static gboolean gst_unislad_stop(GstBaseTransform* trans);
static GstFlowReturn gst_unislad_prepare_output_buffer(GstBaseTransform* trans, GstBuffer* input, GstBuffer** output);
static GstFlowReturn gst_unislad_transform_frame_ip(GstVideoFilter* filter, GstVideoFrame* frame);

static void gst_unislad_class_init(GstUniSLADClass* klass)
{
    GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
    GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
    GstBaseTransformClass* trans_class = GST_BASE_TRANSFORM_CLASS(klass);
    GstVideoFilterClass* filter_class = GST_VIDEO_FILTER_CLASS(klass);

    GST_DEBUG_CATEGORY_INIT(gst_unislad_debug, "unislad", 0, "UniSLAD anomaly detection");

    gobject_class->set_property = gst_unislad_set_property;
    gobject_class->get_property = gst_unislad_get_property;
    gobject_class->finalize = gst_unislad_finalize;

    const GParamFlags rw = (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
    g_object_class_install_property(
        gobject_class, PROP_MODEL_LOCATION,
        g_param_spec_string("model-location", "Model location",
                            "UniSLAD model file (written by UniSLAD::save), loaded when the element starts "
                            "(READY to PAUSED); a missing or unreadable file fails the pipeline with an error "
                            "naming it",
                            nullptr, (GParamFlags)(rw | GST_PARAM_MUTABLE_READY)));
    g_object_class_install_property(
        gobject_class, PROP_THRESHOLD,
        g_param_spec_double("threshold", "Threshold",
                            "Decision threshold on the anomaly score: a frame is anomalous when its score is "
                            "greater (the regions and the heat map use pixel-threshold). The default (the largest "
                            "double) uses the model's own threshold; once the model is loaded, reading the property "
                            "gives the threshold in use",
                            -G_MAXDOUBLE, G_MAXDOUBLE, kModelThreshold, (GParamFlags)(rw | GST_PARAM_MUTABLE_PLAYING)));
    g_object_class_install_property(
        gobject_class, PROP_PIXEL_THRESHOLD,
        g_param_spec_double("pixel-threshold", "Pixel threshold",
                            "Threshold on the anomaly map: the regions of an anomalous frame and the heat map cover "
                            "the map above it. The default (the largest double) uses the model's pixel threshold "
                            "(UniSLAD::getPixelThreshold); once the model is loaded, reading the property gives the "
                            "threshold in use",
                            -G_MAXDOUBLE, G_MAXDOUBLE, kModelThreshold, (GParamFlags)(rw | GST_PARAM_MUTABLE_PLAYING)));
    g_object_class_install_property(
        gobject_class, PROP_OVERLAY,
        g_param_spec_boolean("overlay", "Overlay",
                             "Draw the heat map (where the anomaly map exceeds the pixel threshold) and the verdict with "
                             "the score on the frame; off, the element is in passthrough and never writes pixels",
                             FALSE, (GParamFlags)(rw | GST_PARAM_MUTABLE_PLAYING)));
    g_object_class_install_property(
        gobject_class, PROP_OVERLAY_ALPHA,
        g_param_spec_double("overlay-alpha", "Overlay alpha", "Opacity of the heat map drawn by overlay", 0.0, 1.0,
                            kDefaultOverlayAlpha, (GParamFlags)(rw | GST_PARAM_MUTABLE_PLAYING)));
    g_object_class_install_property(
        gobject_class, PROP_BACKEND,
        g_param_spec_enum("backend", "Backend",
                          "Where the backbone networks run: cpu, or cuda (the CPU with a warning when OpenCV has "
                          "no CUDA backend); applied when the model is loaded",
                          GST_TYPE_UNISLAD_BACKEND, GST_UNISLAD_BACKEND_CPU, (GParamFlags)(rw | GST_PARAM_MUTABLE_READY)));
    g_object_class_install_property(
        gobject_class, PROP_UPDATES,
        g_param_spec_enum("updates", "Updates",
                          "Which frames get an element message named \"unislad\" on the bus (timestamp, "
                          "stream-time, running-time, duration, score, is-anomaly, threshold, pixel-threshold, "
                          "component scores, regions)",
                          GST_TYPE_UNISLAD_UPDATES, GST_UNISLAD_UPDATES_EVERY_FRAME,
                          (GParamFlags)(rw | GST_PARAM_MUTABLE_PLAYING)));

    g_object_class_install_property(
        gobject_class, PROP_ROI_LOCATION,
        g_param_spec_string("roi-location", "Region of interest location",
                            "The region-of-interest mask (an image, white inside) the model must have been fitted "
                            "with (unislad fit --roi): the element fails to start, naming both, when the model "
                            "has another region or none, so that a model fitted for another station or fixture "
                            "is not run by mistake. The model's own region applies either way (anomalies count "
                            "only inside it; overlay draws its outline); unset: no check",
                            nullptr, (GParamFlags)(rw | GST_PARAM_MUTABLE_READY)));

    gst_element_class_set_static_metadata(
        element_class, "UniSLAD anomaly detector", "Filter/Analyzer/Video",
        "Scores frames with a fitted UniSLAD model (structural and logical anomalies): a bus message per frame, a "
        "region-of-interest meta per anomalous region, an optional heat-map overlay",
        "UniSLAD for OpenCV");
    gst_element_class_add_static_pad_template(element_class, &sink_template);
    gst_element_class_add_static_pad_template(element_class, &src_template);

    trans_class->start = GST_DEBUG_FUNCPTR(gst_unislad_start);
    trans_class->stop = GST_DEBUG_FUNCPTR(gst_unislad_stop);
    trans_class->prepare_output_buffer = GST_DEBUG_FUNCPTR(gst_unislad_prepare_output_buffer);
    trans_class->transform_ip_on_passthrough = TRUE;
    filter_class->transform_frame_ip = GST_DEBUG_FUNCPTR(gst_unislad_transform_frame_ip);

    gst_type_mark_as_plugin_api(GST_TYPE_UNISLAD_UPDATES, (GstPluginAPIFlags)0);
    gst_type_mark_as_plugin_api(GST_TYPE_UNISLAD_BACKEND, (GstPluginAPIFlags)0);
}

static void gst_unislad_init(GstUniSLAD* self)
{
    self->priv = new (std::nothrow) GstUniSLADPrivate();
    if (!self->priv)
        g_error("unislad: out of memory");
    // Passthrough until overlay is switched on: frames are mapped read-only and pushed on unchanged.
    gst_base_transform_set_passthrough(GST_BASE_TRANSFORM(self), TRUE);
    gst_base_transform_set_in_place(GST_BASE_TRANSFORM(self), TRUE);
}

static void gst_unislad_finalize(GObject* object)
{
    GstUniSLAD* self = GST_UNISLAD(object);
    delete self->priv;  // no-throw: a std::string, an int and a cv::Ptr
    self->priv = nullptr;
    G_OBJECT_CLASS(gst_unislad_parent_class)->finalize(object);
}

static void gst_unislad_set_property(GObject* object, guint prop_id, const GValue* value, GParamSpec* pspec)
{
    GstUniSLAD* self = GST_UNISLAD(object);
    GstUniSLADPrivate* p = self->priv;
    bool overlayChanged = false, overlay = false;
    GST_OBJECT_LOCK(self);
    try {
        switch (prop_id) {
        case PROP_MODEL_LOCATION: {
            const gchar* s = g_value_get_string(value);
            p->modelLocation = s ? s : "";
            break;
        }
        case PROP_ROI_LOCATION: {
            const gchar* s = g_value_get_string(value);
            p->roiLocation = s ? s : "";
            break;
        }
        case PROP_THRESHOLD: p->settings.threshold = g_value_get_double(value); break;
        case PROP_PIXEL_THRESHOLD: p->settings.pixelThreshold = g_value_get_double(value); break;
        case PROP_OVERLAY:
            overlay = g_value_get_boolean(value);
            overlayChanged = overlay != p->settings.overlay;
            p->settings.overlay = overlay;
            break;
        case PROP_OVERLAY_ALPHA: p->settings.overlayAlpha = g_value_get_double(value); break;
        case PROP_BACKEND: p->backend = g_value_get_enum(value); break;
        case PROP_UPDATES: p->settings.updates = g_value_get_enum(value); break;
        default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec); break;
        }
    } catch (const std::exception& e) {
        GST_ERROR_OBJECT(self, "could not set property %s: %s", pspec->name, e.what());
    }
    GST_OBJECT_UNLOCK(self);
    if (overlayChanged) {
        // Outside our lock: these take the object lock themselves.
        gst_base_transform_set_passthrough(GST_BASE_TRANSFORM(self), !overlay);
        gst_base_transform_reconfigure_src(GST_BASE_TRANSFORM(self));
    }
}

static void gst_unislad_get_property(GObject* object, guint prop_id, GValue* value, GParamSpec* pspec)
{
    GstUniSLAD* self = GST_UNISLAD(object);
    const GstUniSLADPrivate* p = self->priv;
    GST_OBJECT_LOCK(self);
    switch (prop_id) {
    case PROP_MODEL_LOCATION:
        g_value_set_string(value, p->modelLocation.empty() ? nullptr : p->modelLocation.c_str());
        break;
    case PROP_ROI_LOCATION:
        g_value_set_string(value, p->roiLocation.empty() ? nullptr : p->roiLocation.c_str());
        break;
    case PROP_THRESHOLD:
        g_value_set_double(value, p->settings.threshold == kModelThreshold && p->model ? (double)p->modelThreshold
                                                                                       : p->settings.threshold);
        break;
    case PROP_PIXEL_THRESHOLD:
        g_value_set_double(value, p->settings.pixelThreshold == kModelThreshold && p->model
                                      ? (double)p->modelPixelThreshold : p->settings.pixelThreshold);
        break;
    case PROP_OVERLAY: g_value_set_boolean(value, p->settings.overlay); break;
    case PROP_OVERLAY_ALPHA: g_value_set_double(value, p->settings.overlayAlpha); break;
    case PROP_BACKEND: g_value_set_enum(value, p->backend); break;
    case PROP_UPDATES: g_value_set_enum(value, p->settings.updates); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec); break;
    }
    GST_OBJECT_UNLOCK(self);
}

/** roi-location's check: the model (at modelPath, with region modelRoi) was fitted with the mask at roiPath.
    Posts the error and returns false when it was not. */
static bool check_region(GstUniSLAD* self, const std::string& modelPath, const cv::Mat& modelRoi,
                         const std::string& roiPath)
{
    if (!g_file_test(roiPath.c_str(), G_FILE_TEST_IS_REGULAR)) {   // before imread: a named pipe would block
        GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND, ("Region of interest '%s' not found (or not a regular file)",
                                                      roiPath.c_str()), (nullptr));
        return false;
    }
    const cv::Mat given = cv::imread(roiPath, cv::IMREAD_GRAYSCALE);
    if (given.empty()) {
        GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ, ("Region of interest '%s' is not a readable image",
                                                      roiPath.c_str()), (nullptr));
        return false;
    }
    if (modelRoi.empty()) {
        GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("The UniSLAD model '%s' was fitted without a region of interest, "
                                                     "roi-location asks for '%s': fit it with unislad fit --roi",
                                                     modelPath.c_str(), roiPath.c_str()), (nullptr));
        return false;
    }
    // Up to 1 % of the pixels may differ: the same mask saved at another scale.
    const double differ = unislad_gst::regionDisagreement(modelRoi, given);
    if (differ > 0.01) {
        GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("The region of interest of the UniSLAD model '%s' differs from "
                                                     "'%s' in %.1f %% of its pixels: a model fitted for another "
                                                     "station or fixture?", modelPath.c_str(), roiPath.c_str(),
                                                     100.0 * differ), (nullptr));
        return false;
    }
    return true;
}

static gboolean gst_unislad_start(GstBaseTransform* trans)
{
    GstUniSLAD* self = GST_UNISLAD(trans);
    std::string path, roiPath;
    int backend = GST_UNISLAD_BACKEND_CPU;
    try {
        GST_OBJECT_LOCK(self);
        path = self->priv->modelLocation;
        roiPath = self->priv->roiLocation;
        backend = self->priv->backend;
        GST_OBJECT_UNLOCK(self);
    } catch (const std::exception& e) {  // only std::bad_alloc copying the string
        GST_OBJECT_UNLOCK(self);
        GST_ELEMENT_ERROR(self, RESOURCE, FAILED, ("Could not read model-location: %s", e.what()), (nullptr));
        return FALSE;
    }
    if (path.empty()) {
        GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND, ("No UniSLAD model: set the model-location property"), (nullptr));
        return FALSE;
    }
    if (!g_file_test(path.c_str(), G_FILE_TEST_IS_REGULAR)) {
        GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND, ("UniSLAD model file '%s' not found", path.c_str()), (nullptr));
        return FALSE;
    }
    cv::Ptr<cv::uniSLAD::UniSLAD> model;
    try {
        model = cv::uniSLAD::UniSLAD::load(path, backend);
    } catch (const cv::Exception& e) {
        GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ, ("Could not load the UniSLAD model '%s': %s", path.c_str(),
                                                      e.err.c_str()), ("%s", e.what()));
        return FALSE;
    } catch (const std::exception& e) {
        GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ, ("Could not load the UniSLAD model '%s': %s", path.c_str(),
                                                      e.what()), (nullptr));
        return FALSE;
    } catch (...) {
        GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ, ("Could not load the UniSLAD model '%s'", path.c_str()), (nullptr));
        return FALSE;
    }
    cv::Mat roi;
    try {
        roi = model->getParams().roi;
        if (!roiPath.empty() && !check_region(self, path, roi, roiPath))
            return FALSE;
    } catch (const std::exception& e) {
        GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ, ("Could not check the region of interest '%s': %s",
                                                      roiPath.c_str(), e.what()), (nullptr));
        return FALSE;
    }
    const float threshold = model->getThreshold();
    GST_OBJECT_LOCK(self);
    self->priv->model = model;
    self->priv->modelThreshold = threshold;
    self->priv->modelPixelThreshold = model->getPixelThreshold();
    self->priv->modelRoi = roi;
    GST_OBJECT_UNLOCK(self);
    GST_INFO_OBJECT(self, "loaded model '%s' (threshold %g)", path.c_str(), threshold);
    return TRUE;
}

static gboolean gst_unislad_stop(GstBaseTransform* trans)
{
    GstUniSLAD* self = GST_UNISLAD(trans);
    cv::Ptr<cv::uniSLAD::UniSLAD> model;
    GST_OBJECT_LOCK(self);
    std::swap(model, self->priv->model);
    GST_OBJECT_UNLOCK(self);
    return TRUE;  // the model is released here, outside the lock
}

static GstFlowReturn gst_unislad_prepare_output_buffer(GstBaseTransform* trans, GstBuffer* input, GstBuffer** output)
{
    if (gst_base_transform_is_passthrough(trans)) {
        // Region metas need a writable buffer. A shared one is copied shallowly: its memory, the pixels,
        // stays shared. The base class releases the input when the output differs from it.
        *output = gst_buffer_is_writable(input) ? input : gst_buffer_copy(input);
        return GST_FLOW_OK;
    }
    return GST_BASE_TRANSFORM_CLASS(gst_unislad_parent_class)->prepare_output_buffer(trans, input, output);
}

/** The message of one inspected frame. */
static GstMessage* frame_message(GstUniSLAD* self, GstBuffer* buffer, const cv::uniSLAD::Result& r, double threshold,
                                 double normalized, double pixelThreshold, bool anomalous, guint regions)
{
    const GstSegment* segment = &GST_BASE_TRANSFORM(self)->segment;
    const GstClockTime timestamp = GST_BUFFER_PTS(buffer);
    GstClockTime running = GST_CLOCK_TIME_NONE, stream = GST_CLOCK_TIME_NONE;
    if (segment->format == GST_FORMAT_TIME && GST_CLOCK_TIME_IS_VALID(timestamp)) {
        running = gst_segment_to_running_time(segment, GST_FORMAT_TIME, timestamp);
        stream = gst_segment_to_stream_time(segment, GST_FORMAT_TIME, timestamp);
    }
    GstStructure* s = gst_structure_new(
        "unislad", "timestamp", G_TYPE_UINT64, (guint64)timestamp, "stream-time", G_TYPE_UINT64, (guint64)stream,
        "running-time", G_TYPE_UINT64, (guint64)running, "duration", G_TYPE_UINT64,
        (guint64)GST_BUFFER_DURATION(buffer), "score", G_TYPE_DOUBLE, (double)r.score, "is-anomaly", G_TYPE_BOOLEAN,
        (gboolean)anomalous, "threshold", G_TYPE_DOUBLE, threshold, "normalized-score", G_TYPE_DOUBLE, normalized, "patch-local", G_TYPE_DOUBLE, (double)r.patchLocal,
        "patch-global", G_TYPE_DOUBLE, (double)r.patchGlobal, "class-weight", G_TYPE_DOUBLE, (double)r.classWeight,
        "patch-score", G_TYPE_DOUBLE, (double)r.patchScore, "image-local", G_TYPE_DOUBLE, (double)r.imageLocal,
        "image-global", G_TYPE_DOUBLE, (double)r.imageGlobal, "image-class", G_TYPE_DOUBLE, (double)r.imageClass,
        "image-score", G_TYPE_DOUBLE, (double)r.imageScore, "pixel-threshold", G_TYPE_DOUBLE, pixelThreshold,
        "regions", G_TYPE_UINT, regions, nullptr);
    return gst_message_new_element(GST_OBJECT(self), s);
}

/** The frame as the library takes it: BGR, BGRx (BGRA to the library) and GRAY8 as they are, RGB converted
    into a Mat of its own. Never writes into `view`: cvtColor into a Mat that shares the view's memory (same
    size and type) would convert in place, inside the frame, swapping red and blue in what leaves the element. */
static cv::Mat library_input(const cv::Mat& view, unislad_gst::PixelOrder order)
{
    if (order != unislad_gst::PixelOrder::RGB)
        return view;
    cv::Mat bgr;  // empty: cvtColor allocates it
    cv::cvtColor(view, bgr, cv::COLOR_RGB2BGR);
    return bgr;
}

/** Scores one frame; may throw (caught by the caller). */
static GstFlowReturn process_frame(GstUniSLAD* self, GstVideoFrame* frame)
{
    Settings settings;
    cv::Ptr<cv::uniSLAD::UniSLAD> model;
    cv::Mat roi;
    GST_OBJECT_LOCK(self);
    settings = self->priv->settings;
    model = self->priv->model;
    roi = self->priv->modelRoi;
    GST_OBJECT_UNLOCK(self);
    if (!model) {
        GST_ELEMENT_ERROR(self, CORE, STATE_CHANGE, ("No UniSLAD model loaded"), (nullptr));
        return GST_FLOW_ERROR;
    }

    int type = CV_8UC3;
    unislad_gst::PixelOrder order = unislad_gst::PixelOrder::BGR;
    switch (GST_VIDEO_FRAME_FORMAT(frame)) {
    case GST_VIDEO_FORMAT_BGR: break;
    case GST_VIDEO_FORMAT_RGB: order = unislad_gst::PixelOrder::RGB; break;
    case GST_VIDEO_FORMAT_BGRx: type = CV_8UC4; break;
    case GST_VIDEO_FORMAT_GRAY8: type = CV_8UC1; order = unislad_gst::PixelOrder::GRAY; break;
    default:
        GST_ELEMENT_ERROR(self, STREAM, FORMAT, ("Unsupported video format %s",
                                                 gst_video_format_to_string(GST_VIDEO_FRAME_FORMAT(frame))), (nullptr));
        return GST_FLOW_NOT_NEGOTIATED;
    }
    // The frame's memory, wrapped with its stride: no copy. Unless the frame was mapped for writing (overlay
    // on), that memory is read-only, and it may be shared with other buffers (a tee, the decoder's pool):
    // nothing but drawOverlay below, on a writable map, may write through this view.
    const bool writable = (frame->map[0].flags & GST_MAP_WRITE) != 0;
    cv::Mat view(GST_VIDEO_FRAME_HEIGHT(frame), GST_VIDEO_FRAME_WIDTH(frame), type, GST_VIDEO_FRAME_PLANE_DATA(frame, 0),
                 (size_t)GST_VIDEO_FRAME_PLANE_STRIDE(frame, 0));
    const cv::Mat input = library_input(view, order);

    const cv::uniSLAD::Result r = model->detect(input);
    const double threshold = settings.threshold == kModelThreshold ? (double)r.threshold : settings.threshold;
    const bool anomalous = r.score > threshold;
    const double pixelThreshold =
        settings.pixelThreshold == kModelThreshold ? (double)r.pixelThreshold : settings.pixelThreshold;

    guint regions = 0;
    if (anomalous) {
        for (const cv::uniSLAD::AnomalyRegion& g : cv::uniSLAD::findAnomalyRegions(r.anomalyMap, (float)pixelThreshold)) {
            GstVideoRegionOfInterestMeta* meta = gst_buffer_add_video_region_of_interest_meta(
                frame->buffer, "anomaly", (guint)g.box.x, (guint)g.box.y, (guint)g.box.width, (guint)g.box.height);
            gst_video_region_of_interest_meta_add_param(
                meta, gst_structure_new("unislad", "peak", G_TYPE_DOUBLE, (double)g.peak, "area", G_TYPE_UINT,
                                        (guint)g.area, "peak-x", G_TYPE_UINT, (guint)g.peakLocation.x, "peak-y",
                                        G_TYPE_UINT, (guint)g.peakLocation.y, nullptr));
            ++regions;
        }
    }

    // The score users read: 1 at the threshold in use (README, "Reading a score"); the raw one is in the message.
    const double normalized = (double)model->normalizeScore(r.score, (float)threshold);
    // Drawn only when the frame was mapped writable (overlay on when the buffer arrived).
    if (settings.overlay && writable) {
        if (!roi.empty())   // first, so that the verdict label stays on top
            unislad_gst::drawRegionOutline(view, order, roi);
        unislad_gst::drawOverlay(view, order, r.anomalyMap, (float)pixelThreshold, anomalous, (float)normalized,
                                 settings.overlayAlpha);
    }

    if (settings.updates == GST_UNISLAD_UPDATES_EVERY_FRAME ||
        (settings.updates == GST_UNISLAD_UPDATES_ANOMALIES_ONLY && anomalous))
        gst_element_post_message(GST_ELEMENT(self), frame_message(self, frame->buffer, r, threshold, normalized,
                                                                  pixelThreshold, anomalous, regions));
    GST_LOG_OBJECT(self, "score %g, threshold %g, %s, %u regions", (double)r.score, threshold,
                   anomalous ? "anomalous" : "nominal", regions);
    return GST_FLOW_OK;
}

static GstFlowReturn gst_unislad_transform_frame_ip(GstVideoFilter* filter, GstVideoFrame* frame)
{
    GstUniSLAD* self = GST_UNISLAD(filter);
    // No C++ exception leaves this function: GStreamer's streaming thread is C.
    try {
        return process_frame(self, frame);
    } catch (const cv::Exception& e) {
        GST_ELEMENT_ERROR(self, STREAM, FAILED, ("UniSLAD could not score a frame: %s", e.err.c_str()), ("%s", e.what()));
    } catch (const std::exception& e) {
        GST_ELEMENT_ERROR(self, STREAM, FAILED, ("UniSLAD could not score a frame: %s", e.what()), (nullptr));
    } catch (...) {
        GST_ELEMENT_ERROR(self, STREAM, FAILED, ("UniSLAD could not score a frame"), (nullptr));
    }
    return GST_FLOW_ERROR;
}
