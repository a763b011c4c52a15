//===- RuntimeTest.cpp - libpxrt_cuda without a GPU -----------------------===//

#include "TcpStore.h"

#include "pxrt/cuda.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <thread>

using namespace pxrt::cuda;

namespace {

std::map<std::string, std::string> environment;

const char *lookup(const char *name) {
  auto it = environment.find(name);
  return it == environment.end() ? nullptr : it->second.c_str();
}

TEST(Rendezvous, NoneSetIsNoRendezvous) {
  environment = {};
  EXPECT_FALSE(rendezvousFromEnv(lookup).has_value());
}

TEST(Rendezvous, ReadsTorchrunVariables) {
  environment = {{"RANK", "3"},
                 {"WORLD_SIZE", "8"},
                 {"MASTER_ADDR", "node0"},
                 {"MASTER_PORT", "29500"}};
  std::optional<Rendezvous> r = rendezvousFromEnv(lookup);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->rank, 3);
  EXPECT_EQ(r->worldSize, 8);
  EXPECT_EQ(r->host, "node0");
  EXPECT_EQ(r->port, 29500);
}

TEST(Rendezvous, NamesWhatIsMissingOrMalformed) {
  auto message = [] {
    try {
      rendezvousFromEnv(lookup);
    } catch (const std::invalid_argument &e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  environment = {{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}};
  EXPECT_NE(message().find("MASTER_PORT is not set"), std::string::npos);
  environment["MASTER_PORT"] = "80x";
  EXPECT_NE(message().find("MASTER_PORT='80x'"), std::string::npos);
  environment["MASTER_PORT"] = "80";
  environment["RANK"] = "2";
  EXPECT_NE(message().find("RANK='2'"), std::string::npos);
  environment["RANK"] = "1";
  EXPECT_NO_THROW(rendezvousFromEnv(lookup));
}

TEST(TcpStore, ClientsGetWhatOthersSet) {
  TcpStore server("", 0, /*serve=*/true, 10);
  ASSERT_GT(server.port(), 0);
  // A get blocks until the key is set, from the server or another client.
  std::string early;
  std::thread waiter([&] {
    TcpStore client("127.0.0.1", server.port(), false, 10);
    early = client.get("id");
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  TcpStore setter("127.0.0.1", server.port(), false, 10);
  std::string binary("\0\1\2\xff", 4);
  setter.set("id", binary);
  waiter.join();
  EXPECT_EQ(early, binary);
  EXPECT_EQ(server.get("id"), binary);
  server.set("back", "from rank 0");
  EXPECT_EQ(setter.get("back"), "from rank 0");
}

TEST(TcpStore, GetTimesOut) {
  TcpStore server("", 0, true, 0.2);
  TcpStore client("127.0.0.1", server.port(), false, 0.2);
  EXPECT_THROW(client.get("never"), std::runtime_error);
  EXPECT_THROW(server.get("never"), std::runtime_error);
}

TEST(TcpStore, ConnectGivesUpWithoutServer) {
  int port;
  {
    TcpStore probe("", 0, true, 1);
    port = probe.port();
  }
  EXPECT_THROW(TcpStore("127.0.0.1", port, false, 0.2), std::runtime_error);
}

TEST(Device, OneGpuPerLocalRank) {
  EXPECT_EQ(deviceForLocalRank(nullptr, 8), 0);
  EXPECT_EQ(deviceForLocalRank("", 8), 0);
  EXPECT_EQ(deviceForLocalRank("5", 8), 5);
  EXPECT_EQ(deviceForLocalRank("9", 8), 1);
  EXPECT_THROW(deviceForLocalRank("x", 8), std::invalid_argument);
  EXPECT_THROW(deviceForLocalRank("-1", 8), std::invalid_argument);
  EXPECT_THROW(deviceForLocalRank("0", 0), std::runtime_error);
}

TEST(ArenaMirror, SlotsKeepTheirOffsets) {
  // A 256-byte arena inside a larger buffer, so that the addresses just
  // outside it are valid pointers.
  char buffer[512] = {};
  char *host = buffer + 128;
  char *device = reinterpret_cast<char *>(0x7000000000);
  ArenaMirror mirror(host, device, 256);
  EXPECT_EQ(mirror.toDevice(host), device);
  EXPECT_EQ(mirror.toDevice(host + 64), device + 64);
  // An empty slot at the end.
  EXPECT_EQ(mirror.toDevice(host + 256), device + 256);
  EXPECT_THROW(mirror.toDevice(host + 257), std::out_of_range);
  EXPECT_THROW(mirror.toDevice(host - 1), std::out_of_range);
}

} // namespace
