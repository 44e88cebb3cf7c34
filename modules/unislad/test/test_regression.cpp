// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
//
// Bit-for-bit regression against values recorded by an earlier version of the library
// (test/data/regression/, written by tests/regression/record_regression.cpp; the cases are in
// regression_cases.hpp): the same seed gives the same model file, byte for byte, and the same scores,
// thresholds and anomaly maps; a model file written by that version still loads and scores the same.
#include "test_precomp.hpp"
#include "regression_cases.hpp"

#include <opencv2/core/utils/filesystem.hpp>

#include <cstdlib>
#include <unistd.h>

namespace opencv_test { namespace {

using namespace cv::uniSLAD;
using namespace unislad_regression;

/** The code the recorded values came from: the default Release build for AVX2 (what
    UNISLAD_NATIVE_ARCH gave on the machine that recorded them), uninstrumented. Another build type,
    instruction set or a sanitizer build orders some floating-point sums differently; there the values
    are compared within a tolerance and the model bytes are not compared. */
bool sameBuildAsRecorded()
{
#if !defined(UNISLAD_RELEASE_NATIVE_BUILD) || defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    return false;
#elif defined(__AVX2__) && !defined(__AVX512F__)
    return true;
#else
    return false;
#endif
}

void expectSame(double expected, double found, const std::string& what)
{
    if (sameBuildAsRecorded()) {
        EXPECT_EQ(expected, found) << what;
    } else {
        EXPECT_NEAR(expected, found, 1e-4 + 1e-3 * std::abs(expected)) << what;
    }
}

/** Runs the test body in test/data (the cases name the backbone manifest relatively), restoring the
    working directory after. */
class InDataFolder
{
public:
    InDataFolder() : previous_(utils::fs::getcwd())
    {
        const std::string dir = unisladFixturePath("");
        if (::chdir(dir.c_str()) != 0)
            throw std::runtime_error("cannot enter " + dir);
    }
    ~InDataFolder()
    {
        if (::chdir(previous_.c_str()) != 0)
            std::abort();
    }

private:
    std::string previous_;
};

FileNode recordedCase(const FileStorage& fs, const std::string& name)
{
    for (const FileNode& n : fs["cases"])
        if ((std::string)n["name"] == name)
            return n;
    ADD_FAILURE() << "no recorded case " << name;
    return FileNode();
}

/** Every result of a detector on the test images equals the recorded ones, bit for bit. */
void expectRecordedResults(const UniSLAD& d, const FileNode& recorded)
{
    const std::vector<Mat> test = testImages();
    const FileNode results = recorded["results"];
    ASSERT_EQ(test.size(), results.size());
    expectSame((double)recorded["threshold"], (double)d.getThreshold(), "threshold");
    const std::vector<float> predicted = d.predictBatch(test);
    for (size_t i = 0; i < test.size(); ++i) {
        SCOPED_TRACE(cv::format("image %d", (int)i));
        const Result r = d.detect(test[i]);
        std::vector<double> expected;
        results[(int)i]["values"] >> expected;
        const std::vector<double> found = resultValues(r);
        ASSERT_EQ(expected.size(), found.size());
        for (size_t k = 0; k < found.size(); ++k) {
            if (k != 1 || sameBuildAsRecorded())   // the verdict may flip within the tolerance
                expectSame(expected[k], found[k], cv::format("field %d of cv::uniSLAD::Result", (int)k));
        }
        expectSame((double)results[(int)i]["predict"], (double)predicted[i], "predict");
        if (sameBuildAsRecorded()) {
            EXPECT_EQ((std::string)results[(int)i]["map"], mapFingerprint(r.anomalyMap));
        }
    }
}

TEST(UniSLAD_Regression, same_seed_gives_the_recorded_model_bytes_and_scores)
{
    InDataFolder here;
    const FileStorage fs("regression/regression.json", FileStorage::READ);
    ASSERT_TRUE(fs.isOpened());
    for (const Case& c : cases()) {
        SCOPED_TRACE(c.name);
        const FileNode recorded = recordedCase(fs, c.name);
        ASSERT_FALSE(recorded.empty());
        Ptr<UniSLAD> d = UniSLAD::create(c.params);
        if (c.givenCalibration)
            d->fit(trainImages(), calibrationImages());
        else
            d->fit(trainImages());
        const std::string path = cv::tempfile(".unislad");
        d->save(path);
        const std::vector<unsigned char> bytes = fileBytes(path);
        std::remove(path.c_str());
        if (c.reproducibleBytes && sameBuildAsRecorded()) {
            EXPECT_EQ((int)recorded["modelBytes"], (int)bytes.size());
            EXPECT_EQ((std::string)recorded["model"], fingerprint(bytes.data(), bytes.size()));
        }
        expectRecordedResults(*d, recorded);
    }
}

TEST(UniSLAD_Regression, model_file_of_the_recorded_version_loads_and_scores_the_same)
{
    InDataFolder here;
    const FileStorage fs("regression/regression.json", FileStorage::READ);
    ASSERT_TRUE(fs.isOpened());
    const Ptr<UniSLAD> d = UniSLAD::load("regression/tiny_holdout.unislad");
    ASSERT_FALSE(d->empty());
    expectRecordedResults(*d, recordedCase(fs, "holdout"));
    // Written again, it is the same file.
    const std::string path = cv::tempfile(".unislad");
    d->save(path);
    const std::vector<unsigned char> again = fileBytes(path), recorded = fileBytes("regression/tiny_holdout.unislad");
    std::remove(path.c_str());
    EXPECT_TRUE(again == recorded) << again.size() << " vs " << recorded.size() << " bytes";
}

// A model written before update() existed (no calibration scores, no bank coresets): it loads, scores as
// recorded, is written again byte for byte, and update() asks for a new fit instead of guessing.
TEST(UniSLAD_Regression, model_file_from_before_update_loads_and_asks_for_a_fit_to_grow)
{
    InDataFolder here;
    const FileStorage fs("regression/regression.json", FileStorage::READ);
    ASSERT_TRUE(fs.isOpened());
    const Ptr<UniSLAD> d = UniSLAD::load("regression/tiny_holdout_before_update.unislad");
    expectRecordedResults(*d, recordedCase(fs, "holdout"));
    const std::string path = cv::tempfile(".unislad");
    d->save(path);
    const std::vector<unsigned char> again = fileBytes(path), recorded = fileBytes("regression/tiny_holdout_before_update.unislad");
    std::remove(path.c_str());
    EXPECT_TRUE(again == recorded) << again.size() << " vs " << recorded.size() << " bytes";
    EXPECT_EQ(14, d->getTrainingImageCount());   // unrecorded there: the rows of the image-level features
    RNG rng(1);
    UNISLAD_EXPECT_THROW_MSG(d->update(std::vector<Mat>{ tinySampleImage(rng) }), "UniSLAD::update",
                             "calibration scores", "fit it again");
}

}} // namespace opencv_test::<anonymous>
