// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// The element behind a GenICam camera: Aravis' fake GigE Vision camera (arv-fake-gv-camera-0.8) serves
// frames on loopback, and `aravissrc ! videoconvert ! unislad ! fakesink` runs a fixed number of them.
// Every frame must get a message, and the pipeline must end with EOS and stop cleanly.
//
// Exit codes: 0 passed, 1 failed, 77 skipped (Aravis' GStreamer element or fake camera not installed).
// The fake camera is started here and always stopped: on exit, and by the kernel (PR_SET_PDEATHSIG)
// should this process be killed (e.g. by CTest's timeout).
#include "plugin_test_util.hpp"

#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

using namespace unislad_gst_test;

const int kFrames = 20;
const char* const kCameraAddress = "127.0.0.1";

/** The fake camera process: started by the constructor, stopped by the destructor. */
class FakeCamera
{
public:
    FakeCamera(const std::string& program, const std::string& log)
    {
        pid_ = fork();
        if (pid_ == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (fd >= 0) {
                dup2(fd, STDOUT_FILENO);
                dup2(fd, STDERR_FILENO);
                close(fd);
            }
            execl(program.c_str(), program.c_str(), "-i", kCameraAddress, static_cast<char*>(nullptr));
            _exit(127);
        }
    }
    ~FakeCamera()
    {
        if (pid_ <= 0)
            return;
        kill(pid_, SIGTERM);
        for (int i = 0; i < 50 && waitpid(pid_, nullptr, WNOHANG) == 0; ++i)
            usleep(20000);
        if (waitpid(pid_, nullptr, WNOHANG) == 0) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
    }
    bool running() const { return pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) == 0; }
    FakeCamera(const FakeCamera&) = delete;
    FakeCamera& operator=(const FakeCamera&) = delete;

private:
    pid_t pid_ = -1;
};

std::string readText(const std::string& path)
{
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

int fail(const std::string& what)
{
    std::fprintf(stderr, "FAILED: %s\n", what.c_str());
    return 1;
}

} // namespace

int main(int argc, char** argv)
{
    gst_init(&argc, &argv);
    gchar* program = g_find_program_in_path("arv-fake-gv-camera-0.8");
    GstElementFactory* aravis = gst_element_factory_find("aravissrc");
    if (!program || !aravis) {
        std::printf("SKIPPED: %s not installed (Debian: %s)\n", program ? "GStreamer element aravissrc" :
                    "arv-fake-gv-camera-0.8", program ? "libaravis-0.8-0" : "aravis-tools");
        return 77;
    }
    gst_object_unref(aravis);
    const std::string fakeCamera = program;
    g_free(program);

    const std::string dir = (std::filesystem::path(UNISLAD_PLUGIN_TEST_TMP) / "camera").string();
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const std::string model = dir + "/model.unislad";
    try {
        fitAndSave(model);
    } catch (const cv::Exception& e) {
        return fail("fitting the model: " + e.msg);
    }

    const std::string log = dir + "/fake_camera.log";
    int rc = 0;
    {
        FakeCamera camera(fakeCamera, log);
        usleep(500000);
        if (!camera.running())
            return fail("the fake camera exited at once:\n" + readText(log));
        if (readText(log).find("Failed to bind") != std::string::npos)
            return fail("the fake camera could not bind its port (another GigE Vision device on " +
                        std::string(kCameraAddress) + ":3956?):\n" + readText(log));

        // camera-name is the camera's address: the stream then arrives on the loopback interface.
        const std::string pipeline = "aravissrc camera-name=" + std::string(kCameraAddress) + " num-buffers=" +
                                     std::to_string(kFrames) + " ! video/x-raw,format=GRAY8 ! videoconvert ! "
                                     "unislad model-location=" + model + " ! fakesink name=sink";
        std::printf("pipeline: %s\n", pipeline.c_str());
        RunResult run;
        runPipeline(pipeline, 60, run);
        std::printf("%zu messages, %zu buffers at the sink, eos %d, timed out %d, stopped cleanly %d\n",
                    run.messages.size(), run.regions.size(), run.eos, run.timedOut, run.stoppedCleanly);
        if (!run.error.empty())
            rc = fail("pipeline error: " + run.error + "\nfake camera log:\n" + readText(log));
        else if (run.timedOut)
            rc = fail("no EOS within 60 s");
        else if (!run.eos)
            rc = fail("the pipeline ended without EOS");
        else if (!run.stoppedCleanly)
            rc = fail("the pipeline did not stop cleanly");
        else if (run.messages.size() != (size_t)kFrames || run.regions.size() != (size_t)kFrames)
            rc = fail("expected " + std::to_string(kFrames) + " messages and buffers");
        guint64 previous = 0;
        for (size_t i = 0; rc == 0 && i < run.messages.size(); ++i) {
            guint64 ts = GST_CLOCK_TIME_NONE;
            gst_structure_get_uint64(run.messages[i], "timestamp", &ts);
            const double score = field(run.messages[i], "score");
            std::printf("frame %2zu: timestamp %" GST_TIME_FORMAT ", score %.4f\n", i, GST_TIME_ARGS(ts), score);
            if (!std::isfinite(score))
                rc = fail("frame " + std::to_string(i) + ": no finite score");
            if (i > 0 && !(GST_CLOCK_TIME_IS_VALID(ts) && ts > previous))
                rc = fail("frame " + std::to_string(i) + ": timestamps not increasing");
            previous = ts;
        }
        if (!camera.running())
            rc = fail("the fake camera died during the test:\n" + readText(log));
    }
    if (rc == 0)
        std::printf("PASSED: %d frames from the fake GigE Vision camera, one message each\n", kFrames);
    return rc;
}
