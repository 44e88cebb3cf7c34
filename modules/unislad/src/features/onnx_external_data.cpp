// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// detail::onnxHasExternalData: a walk over the few protobuf fields that say whether an ONNX model's
// weights lie outside its file (ModelProto.graph = 7, GraphProto.initializer = 5,
// TensorProto.data_location = 14, EXTERNAL = 1; onnx/onnx.proto). No protobuf library is needed for
// that, and none is linked.
#include "precomp.hpp"
#include "features/backbone_source.hpp"

namespace cv {
namespace uniSLAD {
namespace detail {

namespace {

/** Protobuf wire format: a field's number and wire type, and its varint or length-delimited payload. */
struct Field
{
    uint64_t number = 0;
    int wireType = 0;
    uint64_t varint = 0;
    const uchar* data = nullptr;   // wire type 2
    size_t size = 0;
};

bool readVarint(const uchar*& p, const uchar* end, uint64_t& v)
{
    v = 0;
    for (int shift = 0; shift < 64 && p < end; shift += 7) {
        const uchar b = *p++;
        v |= (uint64_t)(b & 0x7F) << shift;
        if (!(b & 0x80))
            return true;
    }
    return false;
}

/** The next field at p; false at the end or on bytes that are not protobuf. */
bool nextField(const uchar*& p, const uchar* end, Field& f)
{
    uint64_t key = 0;
    if (p >= end || !readVarint(p, end, key))
        return false;
    f.number = key >> 3;
    f.wireType = (int)(key & 7);
    switch (f.wireType) {
    case 0: return readVarint(p, end, f.varint);
    case 1: if (end - p < 8) return false; p += 8; return true;
    case 5: if (end - p < 4) return false; p += 4; return true;
    case 2: {
        uint64_t n = 0;
        if (!readVarint(p, end, n) || n > (uint64_t)(end - p))
            return false;
        f.data = p;
        f.size = (size_t)n;
        p += n;
        return true;
    }
    default: return false;   // groups (3, 4) are not used by ONNX
    }
}

/** Calls visit(field) for each field of the message in [p, end) with this number. */
template <typename Visit>
void forEach(const uchar* p, const uchar* end, uint64_t number, Visit visit)
{
    Field f;
    while (nextField(p, end, f))
        if (f.number == number)
            visit(f);
}

} // namespace

bool onnxHasExternalData(const std::vector<uchar>& onnx)
{
    bool external = false;
    const uchar* begin = onnx.data();
    forEach(begin, begin + onnx.size(), 7, [&](const Field& graph) {
        if (graph.wireType != 2)
            return;
        forEach(graph.data, graph.data + graph.size, 5, [&](const Field& tensor) {
            if (tensor.wireType != 2)
                return;
            forEach(tensor.data, tensor.data + tensor.size, 14, [&](const Field& location) {
                external = external || (location.wireType == 0 && location.varint == 1);
            });
        });
    });
    return external;
}

}}} // namespace cv::uniSLAD::detail
