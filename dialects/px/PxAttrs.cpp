//===- PxAttrs.cpp - px attributes ----------------------------------------===//

#include "pxc/Dialect/Px/PxAttrs.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "pxc/Dialect/Px/PxDialect.h"
#include "pxc/Support/LLVM.h"
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
  if (parser.parseKeyword(&keyword))
    return failure();
  if (keyword == "B") {
    entry = sbp::Sbp1D::broadcast();
    return success();
  }
  if (keyword == "S") {
    int32_t dim;
    if (parser.parseLParen() || parser.parseInteger(dim) ||
        parser.parseRParen())
      return failure();
    if (dim < 0)
      return parser.emitError(loc, "split dimension must be non-negative");
    entry = sbp::Sbp1D::split(dim);
    return success();
  }
  if (keyword == "P") {
    entry = sbp::Sbp1D::partial(sbp::Reduce::Sum);
    if (failed(parser.parseOptionalLParen()))
      return success();
    StringRef op;
    SMLoc opLoc = parser.getCurrentLocation();
    if (parser.parseKeyword(&op) || parser.parseRParen())
      return failure();
    if (op == "max")
      entry = sbp::Sbp1D::partial(sbp::Reduce::Max);
    else if (op != "sum")
      return parser.emitError(opLoc, "expected 'sum' or 'max'");
    return success();
  }
  return parser.emitError(loc, "expected S(dim), B or P(sum|max)");
}

Attribute SbpAttr::parse(AsmParser &parser, Type) {
  SmallVector<sbp::Sbp1D> dims;
  if (parser.parseLess() ||
      parser.parseCommaSeparatedList(AsmParser::Delimiter::Square, [&] {
        return parseSbp1D(parser, dims.emplace_back());
      }) ||
      parser.parseGreater())
    return {};
  return SbpAttr::get(parser.getContext(), dims);
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
  StringRef keyword;
  SMLoc loc = parser.getCurrentLocation();
  if (parser.parseLess() || parser.parseKeyword(&keyword))
    return {};
  std::optional<InitKind> kind = symbolizeInitKind(keyword);
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
  if (getKind() == InitKind::normal || getKind() == InitKind::uniform)
  {
    printer << ", ";
    printer.printFloat(getA());
    printer << ", ";
    printer.printFloat(getB());
  }
  printer << ">";
}

LogicalResult
InitializerAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                        InitKind kind, APFloat low, APFloat high) {
  double a = low.convertToDouble(), b = high.convertToDouble();
  switch (kind) {
  case InitKind::normal:
    if (!(b > 0))
      return emitError() << "normal initializer needs std > 0, got " << b;
    return success();
  case InitKind::uniform:
    if (!(a < b))
      return emitError() << "uniform initializer needs low < high, got [" << a
                         << ", " << b << ")";
    return success();
  case InitKind::zeros:
  case InitKind::ones:
    return success();
  }
  return success();
}
