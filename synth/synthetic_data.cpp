// This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
// LICENSE file found in the top-level directory of this distribution.
#include "synthetic_data.hpp"

#include "synth_categories.hpp"

#include <opencv2/core/utility.hpp>
#include <opencv2/imgcodecs.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>

namespace unislad {
namespace synth {

namespace {

using RenderFn = Sample (*)(detail::Canvas&, const detail::RenderJob&);

struct Entry
{
    CategoryInfo info;
    RenderFn render;
};

const std::vector<Entry>& entries()
{
    static const std::vector<Entry> list = {
        {{"kit_tray", Kind::Loco,
          "breakfast-box-like tray: left compartment 2 oranges + 1 peach, right compartments granola (top) and "
          "banana chips with almonds (bottom, about 60/40)",
          {"missing_fruit", "extra_fruit", "wrong_fruit_type", "cereal_in_wrong_compartment", "wrong_ratio"},
          {"fruit_bruise", "foreign_object", "tray_crack"}},
         &detail::renderKitTray},
        {{"pin_grid", Kind::Loco,
          "pushpins-like box of 3 x 5 compartments, exactly one pin in each, at any position and angle",
          {"missing_pin", "two_pins"},
          {"bent_pin", "broken_tip"}},
         &detail::renderPinGrid},
        {{"screw_bag", Kind::Loco,
          "screw-bag-like plastic bag: 1 long screw, 1 short screw, 2 nuts, 2 washers, loosely arranged",
          {"missing_part", "extra_part", "wrong_screw_length"},
          {"damaged_thread", "bag_scratch", "stain"}},
         &detail::renderScrewBag},
        {{"juice_bottle", Kind::Loco,
          "juice-bottle-like: liquid colour matches the fruit icon on the label (orange, cherry, banana), "
          "fill level fixed",
          {"wrong_fill_level", "label_mismatch", "label_missing"},
          {"contamination", "scratch", "label_tear"}},
         &detail::renderJuiceBottle},
        {{"cable_connectors", Kind::Loco,
          "splicing-connectors-like: two equal connectors joined by a cable whose colour codes the size "
          "(2-pin yellow, 3-pin blue, 5-pin red)",
          {"wrong_cable_color", "cable_missing", "mismatched_connectors"},
          {"cut_cable", "broken_clamp"}},
         &detail::renderCableConnectors},
        {{"woven_texture", Kind::Texture,
          "carpet-like woven fabric (MVTec AD texture layout)",
          {},
          {"scratch", "stain", "hole"}},
         &detail::renderWovenTexture},
        {{"metal_nut", Kind::Object,
          "metal-nut-like four-lobed part, any orientation (MVTec AD object layout)",
          {},
          {"crack", "scratch", "chip"}},
         &detail::renderMetalNut},
    };
    return list;
}

const Entry& findEntry(const std::string& name)
{
    for (const Entry& e : entries())
        if (e.info.name == name)
            return e;
    std::string known;
    for (const Entry& e : entries())
        known += (known.empty() ? "" : ", ") + e.info.name;
    CV_Error(cv::Error::StsBadArg, "synth: category: expected one of " + known + ", found '" + name + "'");
}

const char* splitKey(Split split)
{
    switch (split)
    {
    case Split::Train: return "train";
    case Split::Validation: return "validation";
    case Split::TestGood: return "test_good";
    case Split::TestLogical: return "test_logical";
    case Split::TestStructural: return "test_structural";
    }
    return "?";
}

uint64_t splitmix64(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

uint64_t fnv1a(const std::string& text, uint64_t h = 0xcbf29ce484222325ULL)
{
    for (unsigned char ch : text)
    {
        h ^= ch;
        h *= 0x100000001b3ULL;
    }
    return h;
}

/** The image's random seed: a hash of (category, split, index, seed). */
uint64_t sampleSeed(const std::string& category, Split split, int index, uint64_t seed)
{
    uint64_t h = fnv1a(category);
    h = fnv1a(splitKey(split), h ^ 0x2F);
    h = splitmix64(h ^ splitmix64(static_cast<uint64_t>(index) + 0x1234567ULL));
    return splitmix64(h ^ splitmix64(seed ^ 0xA5A5A5A5ULL));
}

std::string number(int i, const char* suffix)
{
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%03d%s", i, suffix);
    return buf;
}

} // namespace

const std::vector<CategoryInfo>& categoryRegistry()
{
    static const std::vector<CategoryInfo> infos = [] {
        std::vector<CategoryInfo> v;
        for (const Entry& e : entries())
            v.push_back(e.info);
        return v;
    }();
    return infos;
}

std::vector<std::string> categoryNames()
{
    std::vector<std::string> names;
    for (const CategoryInfo& info : categoryRegistry())
        names.push_back(info.name);
    return names;
}

const CategoryInfo& findCategory(const std::string& name)
{
    return findEntry(name).info;
}

std::string splitFolder(const CategoryInfo& info, Split split, int index)
{
    switch (split)
    {
    case Split::Train: return "train/good";
    case Split::Validation: return "validation/good";
    case Split::TestGood: return "test/good";
    case Split::TestLogical: return "test/logical_anomalies";
    case Split::TestStructural:
        if (info.kind == Kind::Loco)
            return "test/structural_anomalies";
        return "test/" + info.structuralDefects[static_cast<size_t>(index) % info.structuralDefects.size()];
    }
    return "";
}

std::string samplePath(const CategoryInfo& info, Split split, int index, std::string* maskPath)
{
    const bool anomalous = split == Split::TestLogical || split == Split::TestStructural;
    if (info.kind == Kind::Loco || !anomalous)
    {
        if (maskPath)
        {
            maskPath->clear();
            if (anomalous)
                *maskPath = "ground_truth/" + splitFolder(info, split, index).substr(5) + "/" + number(index, "/000.png");
        }
        return splitFolder(info, split, index) + "/" + number(index, ".png");
    }
    const int types = static_cast<int>(info.structuralDefects.size());
    const std::string defect = info.structuralDefects[static_cast<size_t>(index % types)];
    if (maskPath)
        *maskPath = "ground_truth/" + defect + "/" + number(index / types, "_mask.png");
    return "test/" + defect + "/" + number(index / types, ".png");
}

Sample renderSample(const std::string& category, Split split, int index, uint64_t seed, int size)
{
    const Entry& e = findEntry(category);
    if (size < 32 || size > 4096)
        CV_Error(cv::Error::StsOutOfRange,
                 "synth: size: expected 32 to 4096 pixels, found " + std::to_string(size));
    if (index < 0)
        CV_Error(cv::Error::StsOutOfRange, "synth: index: expected >= 0, found " + std::to_string(index));
    if (split == Split::TestLogical && e.info.logicalDefects.empty())
        CV_Error(cv::Error::StsBadArg, "synth: split: expected a split of category '" + category +
                                           "', found test/logical_anomalies (it has structural defects only)");
    if (split == Split::Validation && e.info.kind != Kind::Loco)
        CV_Error(cv::Error::StsBadArg, "synth: split: expected a split of category '" + category +
                                           "', found validation (MVTec AD layout has none)");
    detail::RenderJob job;
    job.split = split;
    job.index = index;
    if (split == Split::TestLogical)
        job.defect = e.info.logicalDefects[static_cast<size_t>(index) % e.info.logicalDefects.size()];
    else if (split == Split::TestStructural)
        job.defect = e.info.structuralDefects[static_cast<size_t>(index) % e.info.structuralDefects.size()];
    detail::Canvas canvas(size, sampleSeed(category, split, index, seed));
    Sample sample = e.render(canvas, job);
    sample.defect = job.defect;
    return sample;
}

void writePngAtomic(const std::string& path, const cv::Mat& image)
{
    std::vector<uchar> bytes;
    if (!cv::imencode(".png", image, bytes))
        CV_Error(cv::Error::StsError, "synth: " + path + ": PNG encoding failed");
    const std::string tmp = path + ".tmp";
    {
        std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
        if (!f)
            CV_Error(cv::Error::StsError, "synth: " + tmp + ": cannot open for writing: " + std::strerror(errno));
        f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
        f.close();
        if (!f)
        {
            std::remove(tmp.c_str());
            CV_Error(cv::Error::StsError, "synth: " + tmp + ": write failed (disk full?)");
        }
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec)
    {
        std::remove(tmp.c_str());
        CV_Error(cv::Error::StsError, "synth: " + path + ": cannot rename the temporary file: " + ec.message());
    }
}

GenerateStats generateCategory(const std::string& root, const std::string& category, const SplitCounts& counts,
                               uint64_t seed, int size, const ProgressFn& progress)
{
    const CategoryInfo& info = findCategory(category);
    if (size < 32 || size > 4096)
        CV_Error(cv::Error::StsOutOfRange, "synth: size: expected 32 to 4096 pixels, found " + std::to_string(size));
    struct Job
    {
        Split split;
        int index;
    };
    std::vector<Job> jobs;
    const bool loco = info.kind == Kind::Loco;
    auto add = [&](Split split, int n, const char* what) {
        if (n < 0 || n >= 1000)
            CV_Error(cv::Error::StsOutOfRange,
                     std::string("synth: ") + what + ": expected 0 to 999 images, found " + std::to_string(n));
        for (int i = 0; i < n; ++i)
            jobs.push_back({split, i});
    };
    add(Split::Train, counts.train, "train");
    add(Split::Validation, loco ? counts.validation : 0, "validation");
    add(Split::TestGood, counts.testGood, "test-good");
    add(Split::TestLogical, loco ? counts.testLogical : 0, "test-logical");
    add(Split::TestStructural, counts.testStructural, "test-structural");

    // Folders first (sequentially), so that the workers only write files.
    namespace fs = std::filesystem;
    const fs::path base = fs::path(root) / category;
    for (const Job& j : jobs)
    {
        std::string maskRel;
        const fs::path img = base / samplePath(info, j.split, j.index, &maskRel);
        for (const fs::path& dir : {img.parent_path(), maskRel.empty() ? fs::path() : (base / maskRel).parent_path()})
        {
            if (dir.empty())
                continue;
            std::error_code ec;
            fs::create_directories(dir, ec);
            if (ec)
                CV_Error(cv::Error::StsError, "synth: " + dir.string() + ": cannot create folder: " + ec.message());
        }
    }

    std::mutex lock;
    std::string firstError;
    int done = 0;
    GenerateStats stats;
    cv::parallel_for_(cv::Range(0, static_cast<int>(jobs.size())), [&](const cv::Range& r) {
        for (int k = r.start; k < r.end; ++k)
        {
            try
            {
                const Job& j = jobs[static_cast<size_t>(k)];
                std::string maskRel;
                const std::string imgRel = samplePath(info, j.split, j.index, &maskRel);
                const Sample sample = renderSample(category, j.split, j.index, seed, size);
                writePngAtomic((base / imgRel).string(), sample.image);
                if (!maskRel.empty())
                    writePngAtomic((base / maskRel).string(), sample.mask);
                std::lock_guard<std::mutex> guard(lock);
                ++stats.images;
                stats.masks += maskRel.empty() ? 0 : 1;
                ++done;
                if (progress)
                    progress(done, static_cast<int>(jobs.size()));
            }
            catch (const cv::Exception& ex)
            {
                std::lock_guard<std::mutex> guard(lock);
                if (firstError.empty())
                    firstError = ex.err;
            }
            catch (const std::exception& ex)
            {
                std::lock_guard<std::mutex> guard(lock);
                if (firstError.empty())
                    firstError = ex.what();
            }
        }
    });
    if (!firstError.empty())
        CV_Error(cv::Error::StsError, firstError);
    return stats;
}

} // namespace synth
} // namespace unislad
