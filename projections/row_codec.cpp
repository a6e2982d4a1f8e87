#include "projections/row_codec.h"

namespace starlog::projections {

std::string encode_row(const Json& value) {
  std::string out;
  Json::to_msgpack(value, out);
  return out;
}

Json decode_row(std::string_view bytes) {
  return Json::from_msgpack(bytes.begin(), bytes.end(), /*strict=*/true);
}

Json decode_row_or_discarded(std::string_view bytes) {
  return Json::from_msgpack(bytes.begin(), bytes.end(), /*strict=*/true,
                            /*allow_exceptions=*/false);
}

}  // namespace starlog::projections
