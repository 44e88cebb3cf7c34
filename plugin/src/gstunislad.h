// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#ifndef GST_UNISLAD_H
#define GST_UNISLAD_H

// The `unislad` element: anomaly detection on video frames with a fitted UniSLAD model.

#include <gst/gst.h>
#include <gst/video/gstvideofilter.h>
#include <gst/video/video.h>

G_BEGIN_DECLS

#define GST_TYPE_UNISLAD (gst_unislad_get_type())
#define GST_UNISLAD(obj) (G_TYPE_CHECK_INSTANCE_CAST((obj), GST_TYPE_UNISLAD, GstUniSLAD))
#define GST_IS_UNISLAD(obj) (G_TYPE_CHECK_INSTANCE_TYPE((obj), GST_TYPE_UNISLAD))

typedef struct _GstUniSLAD GstUniSLAD;
typedef struct _GstUniSLADClass GstUniSLADClass;
typedef struct _GstUniSLADPrivate GstUniSLADPrivate;

/** Which frames get a bus message (property `updates`). */
typedef enum
{
    GST_UNISLAD_UPDATES_EVERY_FRAME = 0,
    GST_UNISLAD_UPDATES_ANOMALIES_ONLY = 1,
    GST_UNISLAD_UPDATES_NONE = 2,
} GstUniSLADUpdates;

/** Where the backbones run (property `backend`); the values are cv::uniSLAD::ComputeBackend's. */
typedef enum
{
    GST_UNISLAD_BACKEND_CPU = 0,
    GST_UNISLAD_BACKEND_CUDA = 1,
} GstUniSLADBackend;

struct _GstUniSLAD
{
    GstVideoFilter parent;
    GstUniSLADPrivate* priv;  // C++ state (properties, the model), allocated in init, freed in finalize
};

struct _GstUniSLADClass
{
    GstVideoFilterClass parent_class;
};

GType gst_unislad_get_type(void);

G_END_DECLS

#endif // GST_UNISLAD_H
