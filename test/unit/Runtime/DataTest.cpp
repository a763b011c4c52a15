//===- DataTest.cpp - Token files and batches (pxrt/data.h) ---------------===//

#include "pxrt/data.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <random>
#include <set>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

using namespace pxrt::data;

namespace {

std::string scratchPath(const std::string &name) {
  static int count = 0;
  return ::testing::TempDir() + "pxrt-data-" + std::to_string(getpid()) + "-" +
         std::to_string(count++) + "-" + name;
}

template <typename T>
std::string writeTokens(const std::vector<T> &tokens,
                        const std::string &name = "tokens.bin") {
  std::string path = scratchPath(name);
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char *>(tokens.data()),
            tokens.size() * sizeof(T));
  return path;
}

std::string errorOf(const std::function<void()> &f) {
  try {
    f();
  } catch (const std::exception &e) {
    return e.what();
  }
  return "";
}

TEST(Data, SequentialWindowsAndWrap) {
  // 50 tokens, T = 4, B = 3: every window is 5 tokens; the file is a cyclic
  // stream, so step 3 (windows 9..11, tokens 45..59) wraps to the start.
  std::vector<uint16_t> file(50);
  for (size_t i = 0; i < file.size(); ++i)
    file[i] = static_cast<uint16_t>(1000 + i);
  std::string path = writeTokens(file);
  const int64_t T = 4, B = 3, n = 50;
  TokenSource source(path, TokenType::U16, 2000, T, B, BatchOrder::Sequential,
                     0);
  for (int64_t step = 0; step < 40; ++step) {
    std::vector<int64_t> in(B * T), out(B * T);
    source.fill(step, 0, B, in.data(), out.data());
    for (int64_t b = 0; b < B; ++b)
      for (int64_t i = 0; i < T; ++i) {
        int64_t q = (step * B + b) * (T + 1) + i;
        ASSERT_EQ(in[b * T + i], file[q % n]) << step << " " << b << " " << i;
        ASSERT_EQ(out[b * T + i], file[(q + 1) % n])
            << step << " " << b << " " << i;
      }
  }
  // Step 3, row 0 starts at token 45 and crosses the end.
  std::vector<int64_t> in(T), out(T);
  source.fill(3, 0, 1, in.data(), out.data());
  EXPECT_EQ(in, (std::vector<int64_t>{1045, 1046, 1047, 1048}));
  EXPECT_EQ(out, (std::vector<int64_t>{1046, 1047, 1048, 1049}));
  source.fill(3, 1, 2, in.data(), out.data());
  EXPECT_EQ(in, (std::vector<int64_t>{1000, 1001, 1002, 1003}));
}

TEST(Data, Uint32Tokens) {
  std::vector<uint32_t> file = {70000, 5, 123456, 7, 8, 99999};
  std::string path = writeTokens(file);
  TokenSource source(path, TokenType::U32, 200000, 2, 2, BatchOrder::Sequential,
                     0);
  std::vector<int64_t> in(4), out(4);
  source.fill(0, 0, 2, in.data(), out.data());
  EXPECT_EQ(in, (std::vector<int64_t>{70000, 5, 7, 8}));
  EXPECT_EQ(out, (std::vector<int64_t>{5, 123456, 8, 99999}));
  // Read as uint16 the same bytes are different tokens (12 bytes = 6 ids).
  TokenSource narrow(path, TokenType::U16, 0, 2, 1, BatchOrder::Sequential, 0);
  source.fill(0, 0, 1, in.data(), nullptr);
  narrow.fill(0, 0, 1, out.data(), nullptr);
  EXPECT_NE(in[0], out[0]);
}

TEST(Data, RowRangesEqualTheFullBatch) {
  std::vector<uint16_t> file(1000);
  std::mt19937 rng(5);
  for (auto &t : file)
    t = rng() % 300;
  std::string path = writeTokens(file);
  for (BatchOrder order : {BatchOrder::Sequential, BatchOrder::Random})
    for (bool synthetic : {false, true}) {
      TokenSource source(synthetic ? "" : path, TokenType::U16, 300, 7, 5,
                         order, 42);
      for (int64_t step : {0, 1, 17}) {
        std::vector<int64_t> all(5 * 7), labels(5 * 7);
        source.fill(step, 0, 5, all.data(), labels.data());
        // Rows 1..3 alone, as one data-parallel rank reads them.
        std::vector<int64_t> part(3 * 7);
        source.fill(step, 1, 4, part.data(), nullptr);
        EXPECT_TRUE(std::equal(part.begin(), part.end(), all.begin() + 7));
        for (int64_t b = 0; b < 5; ++b)
          for (int64_t i = 0; i + 1 < 7; ++i) // labels = inputs shifted
            ASSERT_EQ(labels[b * 7 + i], all[b * 7 + i + 1]);
        for (int64_t t : all)
          ASSERT_TRUE(t >= 0 && t < 300);
      }
    }
}

TEST(Data, RandomOrderIsSeededAndInsideTheFile) {
  std::vector<uint16_t> file(64);
  for (size_t i = 0; i < file.size(); ++i)
    file[i] = static_cast<uint16_t>(i);
  std::string path = writeTokens(file);
  const int64_t T = 8, B = 4;
  TokenSource a(path, TokenType::U16, 64, T, B, BatchOrder::Random, 1);
  TokenSource b(path, TokenType::U16, 64, T, B, BatchOrder::Random, 1);
  TokenSource c(path, TokenType::U16, 64, T, B, BatchOrder::Random, 2);
  std::set<int64_t> starts;
  int differ = 0;
  for (int64_t step = 0; step < 200; ++step)
    for (int64_t r = 0; r < B; ++r) {
      int64_t s = a.windowStart(step, r);
      ASSERT_EQ(s, b.windowStart(step, r));
      differ += s != c.windowStart(step, r);
      ASSERT_GE(s, 0);
      ASSERT_LE(s, 64 - T - 1); // the window never wraps
      starts.insert(s);
      std::vector<int64_t> in(T), out(T);
      a.fill(step, r, r + 1, in.data(), out.data());
      for (int64_t i = 0; i < T; ++i) {
        ASSERT_EQ(in[i], s + i); // token value == position in this file
        ASSERT_EQ(out[i], s + i + 1);
      }
    }
  EXPECT_EQ(starts.size(), 64u - T); // every start is drawn
  EXPECT_GT(differ, 600);            // another seed, another order
}

TEST(Data, SyntheticTokensAreSeededAndBelowVocab) {
  TokenSource a("", TokenType::U16, 11, 16, 4, BatchOrder::Sequential, 9);
  TokenSource b("", TokenType::U16, 11, 16, 4, BatchOrder::Sequential, 9);
  TokenSource c("", TokenType::U16, 11, 16, 4, BatchOrder::Sequential, 10);
  EXPECT_TRUE(a.synthetic());
  std::vector<int64_t> x(64), y(64), z(64), next(64);
  a.fill(3, 0, 4, x.data(), nullptr);
  b.fill(3, 0, 4, y.data(), nullptr);
  c.fill(3, 0, 4, z.data(), nullptr);
  a.fill(4, 0, 4, next.data(), nullptr);
  EXPECT_EQ(x, y);
  EXPECT_NE(x, z);
  EXPECT_NE(x, next);
  std::set<int64_t> seen(x.begin(), x.end());
  EXPECT_GT(seen.size(), 5u);
  EXPECT_LT(*seen.rbegin(), 11);
  EXPECT_GE(*seen.begin(), 0);
}

TEST(Data, ErrorsNameThePath) {
  std::string missing = scratchPath("missing.bin");
  std::string message = errorOf([&] {
    TokenSource(missing, TokenType::U16, 10, 4, 1, BatchOrder::Sequential, 0);
  });
  EXPECT_EQ(message.rfind(missing + ": ", 0), 0u) << message;
  EXPECT_NE(message.find("No such file"), std::string::npos) << message;

  std::string empty = writeTokens(std::vector<uint16_t>{}, "empty.bin");
  message = errorOf([&] { TokenFile(empty, TokenType::U16); });
  EXPECT_EQ(message, empty + ": empty token file");

  std::string odd = writeTokens(std::vector<uint8_t>{1, 2, 3}, "odd.bin");
  message = errorOf([&] { TokenFile(odd, TokenType::U16); });
  EXPECT_EQ(message.rfind(odd + ": size 3 bytes", 0), 0u) << message;
  std::string six =
      writeTokens(std::vector<uint8_t>{1, 0, 2, 0, 3, 0}, "six.bin");
  message = errorOf([&] { TokenFile(six, TokenType::U32); });
  EXPECT_NE(message.find("uint32"), std::string::npos) << message;

  std::string shortFile =
      writeTokens(std::vector<uint16_t>{1, 2, 3, 4}, "short.bin");
  message = errorOf([&] {
    TokenSource(shortFile, TokenType::U16, 10, 4, 1, BatchOrder::Sequential, 0);
  });
  EXPECT_EQ(message, shortFile + ": too short: 4 tokens, a window needs T + "
                                 "1 = 5");

  std::string big =
      writeTokens(std::vector<uint16_t>{1, 2, 3, 40, 5, 6, 7, 8}, "big.bin");
  TokenSource source(big, TokenType::U16, 10, 2, 1, BatchOrder::Sequential, 0);
  std::vector<int64_t> in(2), out(2);
  EXPECT_NO_THROW(source.fill(0, 0, 1, in.data(), out.data())); // 1 2 3
  message = errorOf([&] { source.fill(1, 0, 1, in.data(), out.data()); });
  EXPECT_EQ(message, big + ": token 40 at position 3 is not below the "
                           "vocabulary size 10");

  message = errorOf([&] { TokenFile(::testing::TempDir(), TokenType::U16); });
  EXPECT_NE(message.find("not a regular file"), std::string::npos) << message;

  message = errorOf([] {
    TokenSource("", TokenType::U16, 0, 4, 1, BatchOrder::Sequential, 0);
  });
  EXPECT_NE(message.find("vocabulary size"), std::string::npos);
  EXPECT_NE(errorOf([] { parseTokenType("int8"); }).find("--data-dtype"),
            std::string::npos);
  EXPECT_NE(errorOf([] { parseBatchOrder("shuffle"); }).find("--batch-order"),
            std::string::npos);
  EXPECT_EQ(parseBatchOrder("random"), BatchOrder::Random);
  EXPECT_EQ(parseTokenType("uint32"), TokenType::U32);
}

} // namespace
