//===- PxAttrs.cpp - px attributes ----------------------------------------===//

#include "pxc/Dialect/Px/PxAttrs.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "pxc/Dialect/Px/PxDialect.h"
#include "pxc/Support/LLVM.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace pxc;
using namespace pxc::px;

#include "pxc/Dialect/Px/PxEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "pxc/Dialect/Px/PxAttrs.cpp.inc"

void PxDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "pxc/Dialect/Px/PxAttrs.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// SbpAttr: #px.sbp<[S(0), B, P(sum)]>
//===----------------------------------------------------------------------===//

static ParseResult parseSbp1D(AsmParser &parser, sbp::Sbp1D &entry) {
  SMLoc loc = parser.getCurrentLocation();
  StringRef keyword;
  // Not parseKeyword: a stray integer or string should get this message too,
  // not the generic "expected valid keyword".
  if (failed(parser.parseOptionalKeyword(&keyword)))
    return parser.emitError(loc, "expected S(dim), B or P(sum|max)");
  if (keyword == "B") {
    entry = sbp::Sbp1D::broadcast();
    return success();
  }
  if (keyword == "S") {
    int32_t dim = 0;
    if (parser.parseLParen() || parser.parseInteger(dim) ||
        parser.parseRParen())
      return failure();
    // A negative dim is rejected by SbpAttr::verify.
    entry = sbp::Sbp1D::split(dim);
    return success();
  }
  if (keyword == "P") {
    entry = sbp::Sbp1D::partial(sbp::Reduce::Sum);
    if (failed(parser.parseOptionalLParen()))
      return success();
    StringRef op;
    SMLoc opLoc = parser.getCurrentLocation();
    if (failed(parser.parseOptionalKeyword(&op)) ||
        (op != "sum" && op != "max"))
      return parser.emitError(opLoc, "expected 'sum' or 'max'");
    if (parser.parseRParen())
      return failure();
    if (op == "max")
      entry = sbp::Sbp1D::partial(sbp::Reduce::Max);
    return success();
  }
  return parser.emitError(loc, "expected S(dim), B or P(sum|max)");
}

Attribute SbpAttr::parse(AsmParser &parser, Type) {
  SmallVector<sbp::Sbp1D> dims;
  SMLoc loc = parser.getCurrentLocation();
  if (parser.parseLess() ||
      parser.parseCommaSeparatedList(
          AsmParser::Delimiter::Square,
          [&] { return parseSbp1D(parser, dims.emplace_back()); }) ||
      parser.parseGreater())
    return {};
  return SbpAttr::getChecked([&] { return parser.emitError(loc); },
                             parser.getContext(), dims);
}

LogicalResult SbpAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                              ArrayRef<sbp::Sbp1D> dims) {
  // Meshes have at least one axis, so an empty SBP fits no tensor.
  if (dims.empty())
    return emitError() << "#px.sbp needs at least one entry";
  for (auto [i, entry] : llvm::enumerate(dims)) {
    if (entry.isSplit() && entry.dim < 0)
      return emitError() << "#px.sbp entry " << i
                         << ": split dimension must be non-negative, got "
                         << entry.dim;
    // Unused fields must keep their defaults: uniquing compares them, and
    // two attributes that print alike must be the same attribute.
    bool canonical = (entry.isSplit() || entry.dim == 0) &&
                     (entry.isPartial() || entry.reduce == sbp::Reduce::Sum);
    if (!canonical)
      return emitError() << "#px.sbp entry " << i << " (" << entry.str()
                         << ") has a non-default dim or reduction field; "
                            "build entries with Sbp1D::split/broadcast/partial";
  }
  return success();
}

void SbpAttr::print(AsmPrinter &printer) const {
  printer << "<[";
  llvm::interleaveComma(getDims(), printer,
                        [&](const sbp::Sbp1D &d) { printer << d.str(); });
  printer << "]>";
}

//===----------------------------------------------------------------------===//
// InitializerAttr: #px.init<zeros>, #px.init<normal, 0.0, 0.02>
//===----------------------------------------------------------------------===//

Attribute InitializerAttr::parse(AsmParser &parser, Type) {
  if (parser.parseLess())
    return {};
  SMLoc loc = parser.getCurrentLocation();
  StringRef keyword;
  std::optional<InitKind> kind;
  if (succeeded(parser.parseOptionalKeyword(&keyword)))
    kind = symbolizeInitKind(keyword);
  if (!kind) {
    parser.emitError(loc, "expected zeros, ones, normal or uniform");
    return {};
  }
  double a = 0, b = 0;
  if (*kind == InitKind::normal || *kind == InitKind::uniform) {
    if (parser.parseComma() || parser.parseFloat(a) || parser.parseComma() ||
        parser.parseFloat(b))
      return {};
  }
  if (parser.parseGreater())
    return {};
  return InitializerAttr::getChecked([&] { return parser.emitError(loc); },
                                     parser.getContext(), *kind, APFloat(a),
                                     APFloat(b));
}

void InitializerAttr::print(AsmPrinter &printer) const {
  printer << "<" << stringifyInitKind(getKind());
  if (getKind() == InitKind::normal || getKind() == InitKind::uniform) {
    printer << ", ";
    printer.printFloat(getA());
    printer << ", ";
    printer.printFloat(getB());
  }
  printer << ">";
}

/// Shortest text for `value` ("0.02", "-1"); Diagnostic prints a double as
/// "2.000000e-02".
static std::string floatStr(const APFloat &value) {
  SmallString<16> text;
  value.toString(text);
  return text.str().str();
}

LogicalResult
InitializerAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                        InitKind kind, APFloat low, APFloat high) {
  // The parser builds doubles; other semantics would unique apart from
  // attributes that print the same.
  if (&low.getSemantics() != &APFloat::IEEEdouble() ||
      &high.getSemantics() != &APFloat::IEEEdouble())
    return emitError() << "initializer parameters must be doubles";
  if (!low.isFinite() || !high.isFinite())
    return emitError() << "initializer parameters must be finite, got "
                       << floatStr(low) << " and " << floatStr(high);
  double a = low.convertToDouble(), b = high.convertToDouble();
  switch (kind) {
  case InitKind::normal:
    if (!(b > 0))
      return emitError() << "normal initializer needs std > 0, got "
                         << floatStr(high);
    return success();
  case InitKind::uniform:
    if (!(a < b))
      return emitError() << "uniform initializer needs low < high, got ["
                         << floatStr(low) << ", " << floatStr(high) << ")";
    return success();
  case InitKind::zeros:
  case InitKind::ones:
    // Parameters are unused and printed nowhere; keep them 0 so that equal
    // printed forms are equal attributes.
    if (!low.isPosZero() || !high.isPosZero())
      return emitError() << stringifyInitKind(kind)
                         << " initializer takes no parameters";
    return success();
  }
  return success();
}
