// bench/generate: writes the deterministic benchmark data set as NDJSON for
// `starlog import`.
//
//   generate --celebrities N --events M [--heavy-facts K] > data.ndjson
//
// Celebrities celeb-00000 .. celeb-N-1 are registered first; the remaining
// events are dated facts of every kind with realistic payloads (titles,
// venues, 1-3 sources with quotes, participants on about a third). Events
// come in runs of up to 50 for one stream, as editors work, so import can
// batch them. celeb-00000 gets exactly K facts (default 1,000): the subject
// of the as-of figure. The same arguments always give the same bytes.
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

namespace {

using Json = nlohmann::json;

const char* kWords[] = {"midnight", "golden", "river", "echo",   "velvet", "summer", "city",
                        "neon",     "heart",  "crown", "shadow", "paper",  "wild",   "silver",
                        "thunder",  "garden", "ocean", "fire",   "glass",  "dream"};
const char* kVenues[] = {"Madison Square Garden", "Wembley Stadium", "Mercedes-Benz Stadium",
                         "The O2 Arena",          "Hollywood Bowl",  "Red Rocks Amphitheatre"};
const char* kCities[] = {"New York", "London", "Atlanta", "Los Angeles", "Paris", "Berlin"};
const char* kPublishers[] = {"The Sun", "Billboard", "Rolling Stone", "Variety", "BBC News"};
const char* kStatuses[] = {"dating",        "engaged",  "married",   "separated",
                           "divorce_filed", "divorced", "reconciled"};

class Gen {
 public:
  explicit Gen(std::uint64_t seed) : rng_(seed) {}
  std::size_t pick(std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_);
  }
  template <class T, std::size_t N>
  const char* word(T (&arr)[N]) {
    return arr[pick(N)];
  }
  std::string phrase(int words) {
    std::string s;
    for (int i = 0; i < words; ++i) {
      if (i) s += ' ';
      std::string w = word(kWords);
      if (i == 0) w[0] = static_cast<char>(w[0] - 32);
      s += w;
    }
    return s;
  }
  std::string date() {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04zu-%02zu-%02zu", 1990 + pick(36), 1 + pick(12),
                  1 + pick(28));
    return buf;
  }
  std::string uuid() {
    std::uniform_int_distribution<std::uint64_t> d;
    std::uint64_t a = d(rng_), b = d(rng_);
    a = (a & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
    b = (b & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
    char buf[40];
    std::snprintf(buf, sizeof buf, "%08llx-%04llx-%04llx-%04llx-%012llx",
                  (unsigned long long)(a >> 32), (unsigned long long)((a >> 16) & 0xffff),
                  (unsigned long long)(a & 0xffff), (unsigned long long)(b >> 48),
                  (unsigned long long)(b & 0xffffffffffffULL));
    return buf;
  }

 private:
  std::mt19937_64 rng_;
};

std::string celeb(std::size_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "celeb-%05zu", i);
  return buf;
}

Json sources(Gen& g) {
  Json s = Json::array();
  const std::size_t n = 1 + g.pick(3);
  for (std::size_t i = 0; i < n; ++i) {
    std::string slug = g.phrase(3);
    for (auto& c : slug) c = c == ' ' ? '-' : static_cast<char>(std::tolower(c));
    s.push_back(
        {{"url", "https://news.example.com/" + std::to_string(g.pick(1000000)) + "/" + slug},
         {"publisher", g.word(kPublishers)},
         {"quote", "\"" + g.phrase(12) + "\", a source close to the star said."}});
  }
  return s;
}

Json fact(Gen& g, const std::string& stream, std::size_t celebrities, std::size_t self) {
  Json e = {{"id", g.uuid()}, {"stream", stream}, {"occurred", g.date()}, {"sources", sources(g)}};
  switch (g.pick(8)) {
    case 0:
      e["type"] = "album_released";
      e["data"] = {{"title", g.phrase(2)},
                   {"label", g.phrase(1) + " Records"},
                   {"tracks", {g.phrase(2), g.phrase(3), g.phrase(1)}}};
      break;
    case 1:
      e["type"] = "song_released";
      e["data"] = {{"title", g.phrase(3)}, {"album", g.phrase(2)}};
      break;
    case 2:
      e["type"] = "live_event_held";
      e["data"] = {
          {"name", g.phrase(2) + " Tour"}, {"venue", g.word(kVenues)}, {"city", g.word(kCities)}};
      break;
    case 3:
      e["type"] = "podcast_appeared";
      e["data"] = {{"podcast", g.phrase(3)},
                   {"episode", "Episode " + std::to_string(1 + g.pick(300))},
                   {"hosts", {g.phrase(2)}}};
      break;
    case 4:
      e["type"] = "relationship_changed";
      e["data"] = {{"with", celeb(g.pick(celebrities))}, {"status", g.word(kStatuses)}};
      break;
    case 5:
      e["type"] = "collaboration_made";
      e["data"] = {{"with", {g.phrase(2)}}, {"works", {g.phrase(2)}}};
      break;
    case 6:
      e["type"] = "appearance_made";
      e["data"] = {{"event", g.phrase(2) + " Awards"}, {"venue", g.word(kVenues)}};
      break;
    default:
      e["type"] = "statement_made";
      e["data"] = {{"quote", g.phrase(20)}, {"medium", "interview"}};
      break;
  }
  if (g.pick(3) == 0 && celebrities > 1) {
    std::size_t other = g.pick(celebrities);
    if (other == self) other = (other + 1) % celebrities;
    e["participants"] = {{{"celebrity", celeb(other)}, {"role", "guest"}}};
  }
  return e;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t celebrities = 10000, events = 1000000, heavy = 1000;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    std::size_t v = std::strtoull(argv[i + 1], nullptr, 10);
    if (k == "--celebrities")
      celebrities = v;
    else if (k == "--events")
      events = v;
    else if (k == "--heavy-facts")
      heavy = v;
    else {
      std::fprintf(stderr, "usage: generate [--celebrities N] [--events M] [--heavy-facts K]\n");
      return 2;
    }
  }
  if (celebrities == 0 || events < celebrities + heavy) {
    std::fprintf(stderr, "generate: need events >= celebrities + heavy-facts\n");
    return 2;
  }
  Gen g(20261126);
  std::string line;
  auto out = [&](const Json& j) {
    line = j.dump();
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stdout);
  };
  for (std::size_t i = 0; i < celebrities; ++i) {
    out({{"id", g.uuid()},
         {"stream", celeb(i)},
         {"type", "celebrity_registered"},
         {"data",
          {{"name", g.phrase(2)},
           {"born", g.date()},
           {"aliases", {g.phrase(1)}},
           {"occupations", {"singer"}}}},
         {"sources", sources(g)}});
  }
  std::size_t written = celebrities;
  for (std::size_t i = 0; i < heavy; ++i, ++written) out(fact(g, celeb(0), celebrities, 0));
  while (written < events) {
    const std::size_t who = 1 + g.pick(celebrities > 1 ? celebrities - 1 : 1) %
                                    std::max<std::size_t>(1, celebrities - 1);
    const std::size_t run = std::min<std::size_t>(1 + g.pick(50), events - written);
    const std::size_t subject = celebrities > 1 ? who : 0;
    for (std::size_t k = 0; k < run; ++k, ++written)
      out(fact(g, celeb(subject), celebrities, subject));
  }
  return 0;
}
