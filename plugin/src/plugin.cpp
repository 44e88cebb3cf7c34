// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// The GStreamer plugin "unislad": registers the element of the same name.
#include "gstunislad.h"

// GST_PLUGIN_DEFINE names the package through PACKAGE.
#ifndef PACKAGE
#define PACKAGE "unislad"
#endif

static gboolean plugin_init(GstPlugin* plugin)
{
    return gst_element_register(plugin, "unislad", GST_RANK_NONE, GST_TYPE_UNISLAD);
}

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, unislad,
                  "UniSLAD: training-free structural and logical anomaly detection on video", plugin_init,
                  UNISLAD_GST_VERSION, "Apache 2.0", "UniSLAD for OpenCV", "unknown")
