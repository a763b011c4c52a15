//===- ClusterTest.cpp - Cluster specs, JSON and mesh mapping -------------===//

#include "pxc/CostModel/Cluster.h"

#include <gtest/gtest.h>

#include <fstream>

using namespace pxc::cost;

namespace {

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

TEST(ClusterPresets, DgxA100) {
  std::optional<ClusterSpec> spec = preset("dgx-a100");
  ASSERT_TRUE(spec);
  EXPECT_EQ(spec->name, "dgx-a100");
  EXPECT_EQ(spec->devicesPerNode, 8);
  EXPECT_EQ(spec->peak(DType::BF16), 312e12);
  EXPECT_EQ(spec->peak(DType::F16), 312e12);
  EXPECT_EQ(spec->peak(DType::TF32), 156e12);
  EXPECT_EQ(spec->peak(DType::F32), 19.5e12);
  EXPECT_EQ(spec->deviceMemory, 80 * kGiB);
  EXPECT_EQ(spec->deviceMemoryBandwidth, 2.039e12);
  // NVLink3: 600 GB/s both ways, 300 GB/s per direction.
  EXPECT_EQ(spec->intraNode.bandwidth, 300e9);
  // One 200 Gb/s HDR NIC per GPU.
  EXPECT_EQ(spec->interNode.bandwidth, 25e9);
}

TEST(ClusterPresets, DgxH100) {
  std::optional<ClusterSpec> spec = preset("dgx-h100");
  ASSERT_TRUE(spec);
  EXPECT_EQ(spec->devicesPerNode, 8);
  EXPECT_EQ(spec->peak(DType::BF16), 989e12);
  EXPECT_EQ(spec->peak(DType::F16), 989e12);
  EXPECT_EQ(spec->peak(DType::TF32), 495e12);
  EXPECT_EQ(spec->peak(DType::F32), 67e12);
  EXPECT_EQ(spec->deviceMemory, 80 * kGiB);
  EXPECT_EQ(spec->deviceMemoryBandwidth, 3.35e12);
  EXPECT_EQ(spec->intraNode.bandwidth, 450e9);
  EXPECT_EQ(spec->interNode.bandwidth, 50e9);
}

TEST(ClusterPresets, Names) {
  EXPECT_EQ(presetNames(), (std::vector<std::string>{"dgx-a100", "dgx-h100"}));
  EXPECT_FALSE(preset("dgx-b200"));
  for (DType type : {DType::F32, DType::TF32, DType::BF16, DType::F16})
    EXPECT_EQ(parseDType(dtypeName(type)), type);
  EXPECT_FALSE(parseDType("f64"));
}

TEST(ClusterJson, RoundTripPresets) {
  for (const std::string &name : presetNames()) {
    ClusterSpec spec = *preset(name);
    std::string error;
    std::optional<ClusterSpec> back =
        parseCluster(clusterToJson(spec), "x.json", error);
    ASSERT_TRUE(back) << error;
    EXPECT_EQ(*back, spec);
  }
}

TEST(ClusterJson, RoundTripFileExactDoubles) {
  ClusterSpec spec = *preset("dgx-h100");
  spec.name = "odd";
  spec.nodes = 3;
  spec.intraNode.latency = 1.0 / 3.0;
  spec.interNode.latency = 0;
  spec.peakFlops[0] = 0.1 + 0.2;
  std::string path = testing::TempDir() + "/cost-model-roundtrip.json";
  std::string error;
  ASSERT_TRUE(saveCluster(spec, path, error)) << error;
  std::optional<ClusterSpec> back = loadCluster(path, error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(*back, spec);
  std::optional<ClusterSpec> looked = lookupCluster(path, error);
  ASSERT_TRUE(looked) << error;
  EXPECT_EQ(*looked, spec);
}

/// The example of docs/cost-model.md, with one field replaced or removed.
std::string example(const std::string &from = "", const std::string &to = "") {
  std::string text = R"({
  "name": "my-cluster",
  "nodes": 2,
  "devices_per_node": 8,
  "peak_flops": {"f32": 19.5e12, "tf32": 156e12, "bf16": 312e12, "f16": 312e12},
  "device_memory": 85899345920,
  "device_memory_bandwidth": 2.039e12,
  "intra_node": {"bandwidth": 300e9, "latency": 2e-6},
  "inter_node": {"bandwidth": 25e9, "latency": 6e-6}
})";
  if (!from.empty()) {
    size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
  }
  return text;
}

/// Parses `text` expecting failure; returns the message.
std::string failure(const std::string &text) {
  std::string error;
  EXPECT_FALSE(parseCluster(text, "c.json", error));
  EXPECT_EQ(error.rfind("c.json: ", 0), 0u) << error;
  return error;
}

TEST(ClusterJson, Example) {
  std::string error;
  std::optional<ClusterSpec> spec = parseCluster(example(), "c.json", error);
  ASSERT_TRUE(spec) << error;
  EXPECT_EQ(spec->name, "my-cluster");
  EXPECT_EQ(spec->totalDevices(), 16);
  EXPECT_EQ(spec->peak(DType::TF32), 156e12);
  EXPECT_EQ(spec->interNode.latency, 6e-6);
}

TEST(ClusterJson, MalformedJson) {
  std::string error = failure(R"({"name": "x", "nodes": })");
  EXPECT_NE(error.find("invalid JSON"), std::string::npos) << error;
  EXPECT_NE(error.find("line 1"), std::string::npos) << error;
  EXPECT_NE(failure("").find("invalid JSON"), std::string::npos);
  EXPECT_NE(failure("{} trailing").find("invalid JSON"), std::string::npos);
  EXPECT_NE(failure("[1, 2]").find("top level"), std::string::npos);
}

TEST(ClusterJson, MissingFields) {
  EXPECT_EQ(failure(example("\"nodes\": 2,", "")),
            "c.json: field 'nodes': missing");
  EXPECT_EQ(failure(example(", \"latency\": 2e-6", "")),
            "c.json: field 'intra_node.latency': missing");
  EXPECT_EQ(failure(example("\"tf32\": 156e12,", "")),
            "c.json: field 'peak_flops.tf32': missing");
  EXPECT_EQ(failure("{}"), "c.json: field 'name': missing");
}

TEST(ClusterJson, BadValues) {
  EXPECT_EQ(failure(example("\"nodes\": 2", "\"nodes\": \"2\"")),
            "c.json: field 'nodes': expected an integer between 1 and "
            "16777216");
  EXPECT_NE(failure(example("\"nodes\": 2", "\"nodes\": 0")).find("'nodes'"),
            std::string::npos);
  EXPECT_NE(failure(example("\"nodes\": 2", "\"nodes\": 2.5")).find("'nodes'"),
            std::string::npos);
  EXPECT_EQ(failure(example("\"bandwidth\": 300e9", "\"bandwidth\": -1")),
            "c.json: field 'intra_node.bandwidth': expected a positive number");
  EXPECT_EQ(failure(example("\"latency\": 6e-6", "\"latency\": null")),
            "c.json: field 'inter_node.latency': expected a number >= 0");
  EXPECT_EQ(failure(example("\"name\": \"my-cluster\"", "\"name\": 7")),
            "c.json: field 'name': expected a non-empty string");
  EXPECT_EQ(
      failure(example(
          R"({"f32": 19.5e12, "tf32": 156e12, "bf16": 312e12, "f16": 312e12})",
          "1")),
      "c.json: field 'peak_flops': expected an object");
  EXPECT_EQ(failure(example("\"nodes\"", "\"node\"")),
            "c.json: field 'node': unknown field");
  EXPECT_EQ(failure(example("\"f16\"", "\"fp16\"")),
            "c.json: field 'peak_flops.fp16': unknown field");
  // Zero latency is allowed.
  std::string error;
  EXPECT_TRUE(parseCluster(example("\"latency\": 6e-6", "\"latency\": 0"),
                           "c.json", error))
      << error;
}

TEST(ClusterJson, Files) {
  std::string error;
  EXPECT_FALSE(loadCluster("/nonexistent/c.json", error));
  EXPECT_EQ(error, "/nonexistent/c.json: cannot open file");
  EXPECT_FALSE(saveCluster(*preset("dgx-a100"), "/nonexistent/c.json", error));
  EXPECT_EQ(error, "/nonexistent/c.json: cannot write file");
  EXPECT_FALSE(lookupCluster(testing::TempDir(), error));
  EXPECT_NE(error.find("is a directory"), std::string::npos) << error;

  std::string path = testing::TempDir() + "/cost-model-bad.json";
  std::ofstream(path) << example("\"nodes\": 2", "\"nodes\": -2");
  EXPECT_FALSE(lookupCluster(path, error));
  EXPECT_EQ(error, path + ": field 'nodes': expected an integer between 1 "
                          "and 16777216");
}

TEST(ClusterLookup, PresetsAndNodeCounts) {
  std::string error;
  std::optional<ClusterSpec> spec = lookupCluster("dgx-h100", error);
  ASSERT_TRUE(spec) << error;
  EXPECT_EQ(*spec, *preset("dgx-h100"));
  spec = lookupCluster("dgx-a100:4", error);
  ASSERT_TRUE(spec) << error;
  EXPECT_EQ(spec->nodes, 4);
  EXPECT_EQ(spec->peak(DType::BF16), 312e12);

  EXPECT_FALSE(lookupCluster("dgx-a100:0", error));
  EXPECT_NE(error.find("node count"), std::string::npos) << error;
  EXPECT_FALSE(lookupCluster("dgx-a100:x", error));
  EXPECT_FALSE(lookupCluster("dgx-a100:", error));
  EXPECT_FALSE(lookupCluster("no-such-cluster", error));
  EXPECT_EQ(error, "unknown cluster 'no-such-cluster': neither a preset "
                   "(dgx-a100, dgx-h100) nor a readable JSON file");
}

TEST(MeshMapping, SingleNode) {
  ClusterSpec spec = *preset("dgx-a100");
  std::string error;
  std::optional<std::vector<Link>> links = mapMesh(spec, {2, 4}, error);
  ASSERT_TRUE(links) << error;
  ASSERT_EQ(links->size(), 2u);
  for (const Link &link : *links) {
    EXPECT_TRUE(link.intraNode);
    EXPECT_EQ(link.bandwidth, 300e9);
    EXPECT_EQ(link.latency, spec.intraNode.latency);
  }
  links = mapMesh(spec, {}, error);
  ASSERT_TRUE(links);
  EXPECT_TRUE(links->empty());
}

TEST(MeshMapping, DataAcrossNodesModelInside) {
  // 4 nodes x 8: axis 1 is a whole node, axis 0 has one rank per node.
  ClusterSpec spec = *preset("dgx-a100");
  std::string error;
  std::optional<std::vector<Link>> links = mapMesh(spec, {4, 8}, error);
  ASSERT_TRUE(links) << error;
  EXPECT_FALSE((*links)[0].intraNode);
  EXPECT_EQ((*links)[0].bandwidth, 25e9);
  EXPECT_EQ((*links)[0].latency, spec.interNode.latency);
  EXPECT_TRUE((*links)[1].intraNode);
  EXPECT_EQ((*links)[1].bandwidth, 300e9);
}

TEST(MeshMapping, SeveralRanksPerNodeShareNics) {
  ClusterSpec spec = *preset("dgx-a100");
  std::string error;
  // 16 ranks on 2 nodes: 8 NICs per node carry the ring, capped by NVLink.
  std::optional<std::vector<Link>> links = mapMesh(spec, {16}, error);
  ASSERT_TRUE(links) << error;
  EXPECT_FALSE((*links)[0].intraNode);
  EXPECT_EQ((*links)[0].bandwidth, 200e9);
  // Axis 0 of 4x4 on 8-GPU nodes: groups {i, i+4, i+8, i+12}, 2 per node.
  links = mapMesh(spec, {4, 4}, error);
  ASSERT_TRUE(links) << error;
  EXPECT_FALSE((*links)[0].intraNode);
  EXPECT_EQ((*links)[0].bandwidth, 50e9);
  EXPECT_TRUE((*links)[1].intraNode);
  // H100: 8 x 50 GB/s = 400 GB/s, below NVLink's 450.
  links = mapMesh(*preset("dgx-h100"), {2, 8}, error);
  ASSERT_TRUE(links) << error;
  EXPECT_EQ((*links)[0].bandwidth, 50e9);
  links = mapMesh(*preset("dgx-h100"), {16}, error);
  ASSERT_TRUE(links) << error;
  EXPECT_EQ((*links)[0].bandwidth, 400e9);
}

TEST(MeshMapping, GroupStraddlingANode) {
  // 4 devices per node, mesh 2x3: groups of axis 1 are {0,1,2} (node 0) and
  // {3,4,5} (rank 3 alone on node 0), so axis 1 is inter-node with one NIC.
  ClusterSpec spec = *preset("dgx-a100");
  spec.devicesPerNode = 4;
  std::string error;
  std::optional<std::vector<Link>> links = mapMesh(spec, {2, 3}, error);
  ASSERT_TRUE(links) << error;
  EXPECT_FALSE((*links)[0].intraNode);
  EXPECT_FALSE((*links)[1].intraNode);
  EXPECT_EQ((*links)[1].bandwidth, 25e9);
}

TEST(MeshMapping, Errors) {
  std::string error;
  EXPECT_FALSE(mapMesh(*lookupCluster("dgx-a100:1", error), {4, 4}, error));
  EXPECT_EQ(error, "the mesh needs more devices than cluster 'dgx-a100' has "
                   "(8)");
  EXPECT_FALSE(mapMesh(*preset("dgx-a100"), {2, 0}, error));
  EXPECT_EQ(error, "mesh extent 0 is not positive");
  EXPECT_FALSE(mapMesh(*preset("dgx-a100"),
                       {int64_t(1) << 40, int64_t(1) << 40}, error));
}

} // namespace
