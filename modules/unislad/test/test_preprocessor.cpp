// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "test_precomp.hpp"
#include "opencv2/unislad/preprocessor.hpp"

#include <opencv2/imgproc.hpp>

namespace opencv_test { namespace {

using cv::uniSLAD::InputNormalization;
using cv::uniSLAD::Preprocessor;

float blobAt(const Mat& blob, int n, int c, int y, int x)
{
    const int idx[] = { n, c, y, x };
    return blob.at<float>(idx);
}

TEST(UniSLAD_Preprocessor, imagenet_normalisation_closed_form)
{
    RNG rng(1);
    Mat img(224, 224, CV_8UC3);
    rng.fill(img, RNG::UNIFORM, 0, 256);
    Mat blob;
    Preprocessor().apply(img, blob);
    ASSERT_EQ(4, blob.dims);
    ASSERT_EQ(1, blob.size[0]); ASSERT_EQ(3, blob.size[1]); ASSERT_EQ(224, blob.size[2]); ASSERT_EQ(224, blob.size[3]);
    const double mean[] = { 0.485, 0.456, 0.406 }, stdv[] = { 0.229, 0.224, 0.225 };
    double maxErr = 0;
    for (int y = 0; y < 224; y += 7)
        for (int x = 0; x < 224; x += 5)
            for (int c = 0; c < 3; ++c) {
                const double v = img.at<Vec3b>(y, x)[2 - c];  // RGB channel c is BGR channel 2 - c
                maxErr = std::max(maxErr, std::abs((v / 255.0 - mean[c]) / stdv[c] - blobAt(blob, 0, c, y, x)));
            }
    EXPECT_LT(maxErr, 1e-5);
}

TEST(UniSLAD_Preprocessor, keras_range_and_bgr_order)
{
    InputNormalization k = InputNormalization::keras();
    k.rgb = false;
    k.width = 32;
    k.height = 16;
    Mat img(16, 32, CV_8UC3, Scalar(0, 255, 51));  // B = 0, G = 255, R = 51
    Mat blob;
    Preprocessor(k).apply(img, blob);
    EXPECT_FLOAT_EQ(-1.f, blobAt(blob, 0, 0, 3, 4));
    EXPECT_FLOAT_EQ(1.f, blobAt(blob, 0, 1, 3, 4));
    EXPECT_NEAR(51 / 127.5 - 1, blobAt(blob, 0, 2, 3, 4), 1e-6);
}

TEST(UniSLAD_Preprocessor, constant_image_stays_constant_at_any_size)
{
    const Size sizes[] = { Size(8, 8), Size(100, 37), Size(640, 480), Size(224, 224) };
    for (const Size& s : sizes) {
        SCOPED_TRACE(s);
        Mat img(s, CV_8UC3, Scalar(10, 120, 250)), blob;
        Preprocessor().apply(img, blob);
        const double expectR = (250 / 255.0 - 0.485) / 0.229;
        double lo, hi;
        minMaxLoc(Mat(224 * 224, 1, CV_32F, blob.ptr<float>()), &lo, &hi);  // the R plane
        EXPECT_NEAR(expectR, lo, 1e-5);
        EXPECT_NEAR(expectR, hi, 1e-5);
    }
}

TEST(UniSLAD_Preprocessor, gray_bgra_and_16bit_equal_their_8bit_bgr)
{
    RNG rng(2);
    Mat gray(50, 70, CV_8UC1);
    rng.fill(gray, RNG::UNIFORM, 0, 256);
    Mat bgr, bgra, bgr16;
    cvtColor(gray, bgr, COLOR_GRAY2BGR);
    cvtColor(bgr, bgra, COLOR_BGR2BGRA);
    bgr.convertTo(bgr16, CV_16U, 257.0);  // 255 -> 65535
    Preprocessor pre;
    Mat ref, b;
    pre.apply(bgr, ref);
    pre.apply(gray, b);
    EXPECT_LE(cv::norm(ref, b, NORM_INF), 1e-6);
    pre.apply(bgra, b);
    EXPECT_LE(cv::norm(ref, b, NORM_INF), 1e-6);
    pre.apply(bgr16, b);
    // 16-bit resizing rounds on a 257x finer scale than 8-bit: agreement to about one 8-bit level.
    EXPECT_LE(cv::norm(ref, b, NORM_INF), 1.0 / 255 / 0.224 + 1e-5);
}

TEST(UniSLAD_Preprocessor, batch_equals_single_images)
{
    RNG rng(4);
    std::vector<Mat> imgs;
    for (int i = 0; i < 3; ++i) {
        Mat m(60 + 40 * i, 90, CV_8UC3);
        rng.fill(m, RNG::UNIFORM, 0, 256);
        imgs.push_back(m);
    }
    Preprocessor pre;
    Mat batch;
    pre.applyBatch(imgs, batch);
    ASSERT_EQ(3, batch.size[0]);
    const size_t per = 3 * 224 * 224;
    for (int i = 0; i < 3; ++i) {
        Mat single;
        pre.apply(imgs[i], single);
        EXPECT_EQ(0, cv::norm(Mat(1, (int)per, CV_32F, batch.ptr<float>() + i * per),
                              Mat(1, (int)per, CV_32F, single.ptr<float>()), NORM_INF)) << i;
    }
}

TEST(UniSLAD_Preprocessor, bad_input)
{
    Preprocessor pre;
    Mat blob;
    UNISLAD_EXPECT_THROW_MSG(pre.apply(Mat(), blob), "images[0]", "empty");
    UNISLAD_EXPECT_THROW_MSG(pre.apply(Mat(1, 1, CV_8UC3, Scalar::all(0)), blob), "at least 8x8", "found 1x1");
    UNISLAD_EXPECT_THROW_MSG(pre.apply(Mat(32, 32, CV_32FC3, Scalar::all(0)), blob), "8- or 16-bit", "CV_32FC3");
    UNISLAD_EXPECT_THROW_MSG(pre.apply(Mat(32, 32, CV_8UC2, Scalar::all(0)), blob), "1, 3 or 4 channels", "CV_8UC2");
    std::vector<Mat> imgs{ Mat(32, 32, CV_8UC3, Scalar::all(0)), Mat(4, 32, CV_8UC3, Scalar::all(0)) };
    UNISLAD_EXPECT_THROW_MSG(pre.applyBatch(imgs, blob), "images[1]", "found 32x4");
    UNISLAD_EXPECT_THROW_MSG(pre.applyBatch(std::vector<Mat>{}, blob), "at least one image");
    InputNormalization n;
    n.std = Scalar(1, 0, 1);
    UNISLAD_EXPECT_THROW_MSG(Preprocessor{ n }, "std[1]", "positive");
    n = InputNormalization();
    n.width = 0;
    UNISLAD_EXPECT_THROW_MSG(Preprocessor{ n }, "input size", "found 0x224");
}

// The public check is the rule apply() enforces, with the caller's name for the image in the message.
TEST(UniSLAD_Preprocessor, check_accepts_what_apply_accepts)
{
    EXPECT_NO_THROW(Preprocessor::check(Mat(8, 8, CV_8UC1, Scalar::all(0)), "gray.png"));
    EXPECT_NO_THROW(Preprocessor::check(Mat(40, 30, CV_8UC3, Scalar::all(0)), "bgr.png"));
    EXPECT_NO_THROW(Preprocessor::check(Mat(9, 300, CV_16UC4, Scalar::all(0)), "bgra16.png"));
}

TEST(UniSLAD_Preprocessor, check_rejects_with_the_name)
{
    UNISLAD_EXPECT_THROW_MSG(Preprocessor::check(Mat(), "a.png"), "Preprocessor: a.png: expected an image", "empty");
    UNISLAD_EXPECT_THROW_MSG(Preprocessor::check(Mat(32, 32, CV_32FC3, Scalar::all(0)), "b.png"),
                             "Preprocessor: b.png: expected an 8- or 16-bit image", "found 32x32 CV_32FC3");
    UNISLAD_EXPECT_THROW_MSG(Preprocessor::check(Mat(32, 32, CV_8UC2, Scalar::all(0)), "c.png"),
                             "Preprocessor: c.png: expected", "1, 3 or 4 channels", "CV_8UC2");
    UNISLAD_EXPECT_THROW_MSG(Preprocessor::check(Mat(7, 7, CV_8UC3, Scalar::all(0)), "d.png"),
                             "Preprocessor: d.png: expected at least 8x8 pixels, found 7x7");
    UNISLAD_EXPECT_THROW_MSG(Preprocessor::check(Mat(7, 64, CV_8UC1, Scalar::all(0)), "e.png"),
                             "Preprocessor: e.png:", "found 64x7");
}

TEST(UniSLAD_Preprocessor, check_message_is_apply_message)
{
    // Callers strip the "Preprocessor: <name>: " prefix (the command line does), so the text after it
    // must stay the one apply() raises.
    const Mat bad[] = { Mat(), Mat(32, 32, CV_32FC3, Scalar::all(0)), Mat(7, 7, CV_8UC3, Scalar::all(0)) };
    for (const Mat& image : bad) {
        std::string fromCheck, fromApply;
        int codeCheck = 0, codeApply = 1;
        try {
            Preprocessor::check(image, "images[0]");
        } catch (const cv::Exception& e) {
            fromCheck = e.err;
            codeCheck = e.code;
        }
        try {
            Mat blob;
            Preprocessor().apply(image, blob);
        } catch (const cv::Exception& e) {
            fromApply = e.err;
            codeApply = e.code;
        }
        EXPECT_FALSE(fromCheck.empty());
        EXPECT_EQ(fromApply, fromCheck);
        EXPECT_EQ(codeApply, codeCheck);
    }
}

}} // namespace
