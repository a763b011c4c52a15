//===- StoreTest.cpp - safetensors, index, box reads, commits -------------===//

#include "checkpoint/Checkpoint.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>

namespace fs = std::filesystem;
using namespace pxrt::ckpt;

namespace {
class CheckpointStore : public ::testing::Test {
protected:
  void SetUp() override {
    dir = fs::temp_directory_path() /
          ("pxc-ckpt-test-" + std::to_string(::getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  void TearDown() override { fs::remove_all(dir); }

  /// Saves a [rows, cols] float tensor (element i = i) split in row blocks
  /// of `block` rows as rank files into `root`/step-`step`.
  void save(int64_t rows, int64_t cols, int64_t block, int64_t step,
            int keep = 0) {
    std::vector<float> all(rows * cols);
    std::iota(all.begin(), all.end(), 0.0f);
    tensor = {"w", "F32", {rows, cols}, "parameter", {}};
    Index index;
    index.step = step;
    std::string staging = (dir / ("." + stepDirName(step) + ".t")).string();
    fs::create_directories(staging);
    for (int64_t r = 0, rank = 0; r < rows; r += block, ++rank) {
      Box box{{r, 0}, {std::min(block, rows - r), cols}};
      SavedFragment f{&tensor, box, {rank}, all.data() + r * cols};
      for (auto &[name, chunk] : writeRankFile(staging, rank, {f}))
        tensor.chunks.push_back(chunk);
    }
    index.tensors.push_back(tensor);
    commit(dir.string(), staging, index, keep);
  }

  fs::path dir;
  StoredTensor tensor;
};
} // namespace

TEST(CheckpointCopy, CopyBetweenBoxes) {
  // from = rows 1..3 x cols 0..3 of a 4x4 tensor (value 10*row + col).
  Box from{{1, 0}, {3, 4}}, to{{2, 1}, {2, 3}};
  std::vector<float> src;
  for (int r = 1; r < 4; ++r)
    for (int c = 0; c < 4; ++c)
      src.push_back(10.0f * r + c);
  std::vector<float> dst(6, -1);
  Box inter{{2, 1}, {2, 3}};
  copyBetween(from, reinterpret_cast<const char *>(src.data()), to,
              reinterpret_cast<char *>(dst.data()), inter, sizeof(float));
  EXPECT_EQ(dst, (std::vector<float>{21, 22, 23, 31, 32, 33}));
}

TEST_F(CheckpointStore, SafetensorsRoundTrip) {
  std::vector<float> a{1, 2, 3, 4, 5, 6};
  std::vector<int64_t> b{7, 8};
  auto written =
      writeSafetensors((dir / "x.safetensors").string(),
                       {{"a", "F32", {2, 3}, 0, 0}, {"b", "I64", {2}, 0, 0}},
                       {{"k", "v"}}, {a.data(), b.data()});
  ASSERT_EQ(written.size(), 2u);
  EXPECT_EQ(written[0].crc32, crc32(a.data(), 24));
  SafetensorsHeader h = readSafetensorsHeader((dir / "x.safetensors").string());
  ASSERT_NE(h.find("b"), nullptr);
  EXPECT_EQ(h.find("b")->end - h.find("b")->begin, 16u);
  EXPECT_EQ(h.find("a")->begin % 8, 0u);
  EXPECT_EQ(h.metadata.at("k"), "v");
  // A whole-tensor file reads like a checkpoint.
  Reader reader((dir / "x.safetensors").string());
  std::vector<float> back(2);
  reader.read(*reader.index().find("a"), Box{{1, 1}, {1, 2}}, back.data());
  EXPECT_EQ(back, (std::vector<float>{5, 6}));
}

TEST_F(CheckpointStore, ReadsAnyBoxAcrossChunks) {
  save(10, 3, 4, 5);
  Reader reader(resolveCheckpoint(dir.string()));
  EXPECT_EQ(reader.index().step, 5);
  const StoredTensor &t = *reader.index().find("w");
  EXPECT_EQ(t.chunks.size(), 3u);
  EXPECT_TRUE(verify(reader).empty());
  std::mt19937 rng(3);
  for (int trial = 0; trial < 50; ++trial) {
    int64_t r0 = rng() % 10, r1 = r0 + 1 + rng() % (10 - r0);
    int64_t c0 = rng() % 3, c1 = c0 + 1 + rng() % (3 - c0);
    Box box{{r0, c0}, {r1 - r0, c1 - c0}};
    std::vector<float> got(pxc::ckpt::volume(box));
    reader.read(t, box, got.data());
    for (int64_t r = r0, i = 0; r < r1; ++r)
      for (int64_t c = c0; c < c1; ++c, ++i)
        ASSERT_EQ(got[i], static_cast<float>(r * 3 + c));
  }
}

TEST_F(CheckpointStore, CorruptionNamesTheTensor) {
  save(4, 2, 2, 1);
  std::string step = resolveCheckpoint(dir.string());
  std::fstream f(step + "/rank-00001.safetensors",
                 std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(-3, std::ios::end);
  f.put('\x7f');
  f.close();
  Reader reader(step);
  std::vector<std::string> problems = verify(reader);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("tensor 'w'"), std::string::npos);
  EXPECT_NE(problems[0].find("checksum mismatch"), std::string::npos);
  std::vector<float> all(8);
  EXPECT_THROW(
      reader.read(*reader.index().find("w"), Box{{0, 0}, {4, 2}}, all.data()),
      std::runtime_error);
  // The other chunk still reads.
  reader.read(*reader.index().find("w"), Box{{0, 0}, {2, 2}}, all.data());
}

TEST_F(CheckpointStore, KeepsTheNewestAndDropsLeftovers) {
  fs::create_directories(dir / ".step-00000009.crashed");
  for (int64_t step : {1, 2, 3, 4})
    save(4, 2, 2, step, 2);
  std::vector<std::string> names;
  for (const fs::directory_entry &e : fs::directory_iterator(dir))
    names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names,
            (std::vector<std::string>{"step-00000003", "step-00000004"}));
  EXPECT_EQ(resolveCheckpoint(dir.string()), (dir / "step-00000004").string());
  // A step directory without its index is not a checkpoint.
  fs::create_directories(dir / "step-00000007");
  EXPECT_EQ(resolveCheckpoint(dir.string()), (dir / "step-00000004").string());
  // Saving the same step again replaces it.
  save(6, 2, 3, 4, 2);
  Reader reader(resolveCheckpoint(dir.string()));
  EXPECT_EQ(reader.index().find("w")->shape, (std::vector<int64_t>{6, 2}));
  EXPECT_THROW(resolveCheckpoint((dir / "none").string()), std::runtime_error);
}

TEST_F(CheckpointStore, MalformedFilesAreErrors) {
  std::ofstream(dir / "bad.safetensors") << "short";
  EXPECT_THROW(readSafetensorsHeader((dir / "bad.safetensors").string()),
               std::runtime_error);
  EXPECT_THROW(parseIndex("{\"format\": \"pxc-checkpoint\"}", "x"),
               std::runtime_error);
  EXPECT_THROW(parseIndex("[", "x"), std::runtime_error);
}
