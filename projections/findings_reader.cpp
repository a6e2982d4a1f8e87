#include "projections/findings_reader.h"

#include "projections/row_codec.h"
#include "projections/timeline_keys.h"

namespace starlog::projections {

Result<std::optional<Json>> FindingsReader::item(const std::string& key) {
  auto raw = rows_.get(projection_, key);
  if (!raw.ok()) return raw.status();
  if (!raw->has_value()) return std::optional<Json>();
  try {
    Json f = decode_row(**raw);
    const std::string id = f.at("id").get<std::string>();
    auto at = rows_.get(projection_, keys::finding_position(id));
    if (!at.ok()) return at.status();
    f["position"] = at->has_value() ? Json(std::stoll(**at)) : Json(nullptr);
    auto dismissal = rows_.get(projection_, keys::dismissal(id));
    if (!dismissal.ok()) return dismissal.status();
    f["dismissal"] = dismissal->has_value() ? decode_row(**dismissal) : Json(nullptr);
    return std::optional<Json>(std::move(f));
  } catch (const std::exception& ex) {
    return Status::corrupt("finding row " + key + ": " + ex.what());
  }
}

Result<std::optional<Json>> FindingsReader::find(std::string_view celebrity, std::string_view id) {
  return item(keys::finding(celebrity, id));
}

Result<Json> FindingsReader::list(const FindingsQuery& q) {
  // Listed by kind without a celebrity: the kind's index, whose keys end in
  // <celebrity>/<id> as the findings' own keys do.
  const bool by_kind = q.kind && !q.celebrity;
  std::string prefix;
  if (q.celebrity) {
    auto profile = rows_.get(projection_, keys::profile(*q.celebrity));
    if (!profile.ok()) return profile.status();
    if (!profile->has_value())
      return Status::not_found("no celebrity with id '" + *q.celebrity + "'");
    prefix = keys::finding_prefix(*q.celebrity);
  } else {
    prefix = by_kind ? keys::finding_kind_prefix(*q.kind) : std::string(keys::kFindingPrefix);
  }
  const std::string lower = q.after ? prefix + *q.after + '\x01' : prefix;
  Json items = Json::array();
  std::string last;
  bool more = false;
  Status failure;
  Status s = rows_.scan(
      projection_, lower, keys::prefix_end(prefix), false,
      [&](std::string_view key, std::string_view) {
        const std::string place(key.substr(prefix.size()));
        auto found = item(by_kind ? std::string(keys::kFindingPrefix) + place : std::string(key));
        if (!found.ok()) {
          failure = found.status();
          return false;
        }
        if (!found->has_value()) return true;  // an index row ahead of its finding
        const Json& f = **found;
        if (q.kind && f.at("kind") != *q.kind) return true;
        if (!q.include_dismissed && !f.at("dismissal").is_null()) return true;
        if (items.size() == q.limit) {
          more = true;
          return false;
        }
        items.push_back(f);
        last = place;
        return true;
      });
  if (!s) return s;
  if (!failure) return failure;
  return Json{{"items", std::move(items)},
              {"next_cursor", more ? Json(keys::encode_opaque(last)) : Json(nullptr)}};
}

}  // namespace starlog::projections
