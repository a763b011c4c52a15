//===- SbpAttrTest.cpp - Tests of #px.sbp through an MLIRContext ----------===//

#include "pxc/Dialect/Px/PxAttrs.h"
#include "pxc/Dialect/Px/PxDialect.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace pxc;
using pxc::px::SbpAttr;
using pxc::sbp::NdSbp;
using pxc::sbp::Reduce;
using pxc::sbp::Sbp1D;

namespace {

class SbpAttrTest : public ::testing::Test {
protected:
  SbpAttrTest() { context.loadDialect<px::PxDialect>(); }

  static std::string print(Attribute attr) {
    std::string text;
    llvm::raw_string_ostream os(text);
    attr.print(os);
    return text;
  }

  /// Parses `text`, collecting diagnostics instead of printing them.
  Attribute parse(StringRef text) {
    diagnostics.clear();
    ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
      diagnostics.push_back(diag.str());
      return success();
    });
    return parseAttribute(text, &context);
  }

  MLIRContext context;
  std::vector<std::string> diagnostics;
};

TEST_F(SbpAttrTest, BuildAndGetNdSbp) {
  NdSbp nd = {Sbp1D::split(1), Sbp1D::broadcast(), Sbp1D::partial(Reduce::Max)};
  auto attr = SbpAttr::get(&context, ArrayRef<Sbp1D>(nd));
  ASSERT_TRUE(attr);
  EXPECT_EQ(attr.getNdSbp(), nd);
  ASSERT_EQ(attr.getDims().size(), 3u);
  EXPECT_EQ(attr.getDims()[0], Sbp1D::split(1));
  EXPECT_EQ(print(attr), "#px.sbp<[S(1), B, P(max)]>");
}

TEST_F(SbpAttrTest, Uniquing) {
  NdSbp a = {Sbp1D::split(0), Sbp1D::broadcast()};
  NdSbp b = {Sbp1D::split(0), Sbp1D::broadcast()};
  EXPECT_EQ(SbpAttr::get(&context, a), SbpAttr::get(&context, b));
  // Attributes differing in any entry field are distinct.
  EXPECT_NE(SbpAttr::get(&context, a),
            SbpAttr::get(&context, NdSbp{Sbp1D::split(1), Sbp1D::broadcast()}));
  EXPECT_NE(SbpAttr::get(&context, a),
            SbpAttr::get(&context, NdSbp{Sbp1D::broadcast(), Sbp1D::split(0)}));
  EXPECT_NE(SbpAttr::get(&context, NdSbp{Sbp1D::partial(Reduce::Sum)}),
            SbpAttr::get(&context, NdSbp{Sbp1D::partial(Reduce::Max)}));
  EXPECT_NE(
      SbpAttr::get(&context, NdSbp{Sbp1D::broadcast()}),
      SbpAttr::get(&context, NdSbp{Sbp1D::broadcast(), Sbp1D::broadcast()}));
  // Parsed and built attributes are the same object.
  EXPECT_EQ(parse("#px.sbp<[S(0), B]>"), SbpAttr::get(&context, a));
}

TEST_F(SbpAttrTest, ParseAndPrint) {
  struct Case {
    const char *text;
    const char *printed;
    NdSbp nd;
  } cases[] = {
      {"#px.sbp<[S(0)]>", "#px.sbp<[S(0)]>", {Sbp1D::split(0)}},
      {"#px.sbp<[B, S(3)]>",
       "#px.sbp<[B, S(3)]>",
       {Sbp1D::broadcast(), Sbp1D::split(3)}},
      // P alone means P(sum); whitespace is free.
      {"#px.sbp< [ P , P(sum),P(max) ] >",
       "#px.sbp<[P(sum), P(sum), P(max)]>",
       {Sbp1D::partial(), Sbp1D::partial(), Sbp1D::partial(Reduce::Max)}},
  };
  for (const Case &c : cases) {
    Attribute attr = parse(c.text);
    ASSERT_TRUE(attr) << c.text;
    EXPECT_TRUE(diagnostics.empty()) << c.text;
    auto sbp = dyn_cast<SbpAttr>(attr);
    ASSERT_TRUE(sbp) << c.text;
    EXPECT_EQ(sbp.getNdSbp(), c.nd) << c.text;
    EXPECT_EQ(print(sbp), c.printed);
    // The printed form parses back to the same attribute.
    EXPECT_EQ(parse(print(sbp)), attr) << c.text;
  }
}

TEST_F(SbpAttrTest, ParseErrors) {
  struct Case {
    const char *text;
    const char *message;
  } cases[] = {
      {"#px.sbp<[S(-1)]>", "split dimension must be non-negative"},
      {"#px.sbp<[P(min)]>", "expected 'sum' or 'max'"},
      {"#px.sbp<[X]>", "expected S(dim), B or P(sum|max)"},
      {"#px.sbp<[0]>", "expected S(dim), B or P(sum|max)"},
      {"#px.sbp<[]>", "needs at least one entry"},
      {"#px.sbp<[S(0) B]>", "expected ']'"},
  };
  for (const Case &c : cases) {
    EXPECT_FALSE(parse(c.text)) << c.text;
    ASSERT_FALSE(diagnostics.empty()) << c.text;
    EXPECT_NE(diagnostics.front().find(c.message), std::string::npos)
        << c.text << ": " << diagnostics.front();
  }
}

TEST_F(SbpAttrTest, GetChecked) {
  diagnostics.clear();
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    diagnostics.push_back(diag.str());
    return success();
  });
  auto getChecked = [&](const NdSbp &nd) {
    return SbpAttr::getChecked(
        [&] { return emitError(UnknownLoc::get(&context)); }, &context,
        ArrayRef<Sbp1D>(nd));
  };
  EXPECT_TRUE(getChecked({Sbp1D::split(2), Sbp1D::partial()}));
  EXPECT_TRUE(diagnostics.empty());
  EXPECT_FALSE(getChecked({}));
  EXPECT_FALSE(getChecked({Sbp1D::broadcast(), Sbp1D::split(-2)}));
  // Entries that are not in their canonical form would print like another
  // attribute while being a different object; they are rejected.
  Sbp1D odd = Sbp1D::broadcast();
  odd.dim = 1;
  EXPECT_FALSE(getChecked({odd}));
  odd = Sbp1D::split(0);
  odd.reduce = Reduce::Max;
  EXPECT_FALSE(getChecked({odd}));
  odd = Sbp1D::partial(Reduce::Max);
  odd.dim = 2;
  EXPECT_FALSE(getChecked({odd}));
  ASSERT_EQ(diagnostics.size(), 5u);
  EXPECT_EQ(diagnostics[0], "#px.sbp needs at least one entry");
  EXPECT_EQ(diagnostics[1],
            "#px.sbp entry 1: split dimension must be non-negative, got -2");
  EXPECT_NE(diagnostics[2].find("#px.sbp entry 0 (B) has a non-default"),
            std::string::npos)
      << diagnostics[2];
}

TEST_F(SbpAttrTest, InitializerCanonicalForm) {
  auto emit = [&] { return emitError(UnknownLoc::get(&context)); };
  unsigned errors = 0;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &) {
    ++errors;
    return success();
  });
  using px::InitializerAttr;
  using px::InitKind;
  auto zeros = InitializerAttr::getChecked(emit, &context, InitKind::zeros,
                                           APFloat(0.0), APFloat(0.0));
  ASSERT_TRUE(zeros);
  EXPECT_EQ(print(zeros), "#px.init<zeros>");
  EXPECT_EQ(parse("#px.init<zeros>"), zeros);
  auto normal = InitializerAttr::getChecked(emit, &context, InitKind::normal,
                                            APFloat(0.0), APFloat(0.02));
  ASSERT_TRUE(normal);
  EXPECT_EQ(parse(print(normal)), normal);
  EXPECT_EQ(errors, 0u);
  // Hidden parameters or float semantics would make attributes that print
  // alike differ.
  EXPECT_FALSE(InitializerAttr::getChecked(emit, &context, InitKind::ones,
                                           APFloat(1.0), APFloat(0.0)));
  EXPECT_FALSE(InitializerAttr::getChecked(emit, &context, InitKind::normal,
                                           APFloat(0.0f), APFloat(1.0f)));
  EXPECT_EQ(errors, 2u);
}

} // namespace
