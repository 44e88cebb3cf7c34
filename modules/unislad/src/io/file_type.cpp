// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "precomp.hpp"
#include "io/file_type.hpp"

#include <cerrno>
#include <cstring>

#include <sys/stat.h>
#include <sys/types.h>

namespace cv {
namespace uniSLAD {
namespace detail {

uint64_t checkRegularFile(const std::string& path, const std::string& what)
{
#ifdef _WIN32
    struct _stat64 st;
    if (::_stat64(path.c_str(), &st) != 0)
        CV_Error(Error::StsObjectNotFound, format("%s '%s': cannot open: %s", what.c_str(), path.c_str(), std::strerror(errno)));
    if (st.st_mode & _S_IFREG)
        return (uint64_t)st.st_size;
    const char* kind = (st.st_mode & _S_IFDIR) ? "a directory" : "a device or something else";
#else
    struct stat st;
    if (::stat(path.c_str(), &st) != 0)
        CV_Error(Error::StsObjectNotFound, format("%s '%s': cannot open: %s", what.c_str(), path.c_str(), std::strerror(errno)));
    if (S_ISREG(st.st_mode))
        return (uint64_t)st.st_size;
    const char* kind = S_ISDIR(st.st_mode) ? "a directory" : S_ISFIFO(st.st_mode) ? "a named pipe (FIFO)"
                     : S_ISCHR(st.st_mode) ? "a character device" : S_ISBLK(st.st_mode) ? "a block device"
                     : S_ISSOCK(st.st_mode) ? "a socket" : "neither a file nor a directory";
#endif
    CV_Error(Error::StsBadArg, format("%s '%s': expected a regular file, found %s", what.c_str(), path.c_str(), kind));
}

}}} // namespace cv::uniSLAD::detail
