#include "catch.h"
#include "lpa/io/csv_writer.h"
#include "lpa/io/files.h"
#include "test_support.h"

using namespace lpa;

TEST_CASE("csv: RFC 4180 quoting round-trips, rows flushed as written") {
  test::TempDir dir("csv");
  const std::string p = dir.file("a.csv");
  {
    CsvWriter w(p, {"name", "value"});
    w.row({"plain", "1"});
    w.row({"with,comma", "say \"hi\""});
    CHECK(read_csv(p).size() == 3);  // visible before the writer closes
  }
  auto rows = read_csv(p);
  REQUIRE(rows.size() == 3);
  CHECK(rows[2][0] == "with,comma");
  CHECK(rows[2][1] == "say \"hi\"");
  CHECK(test::read_text(p).find("\"with,comma\",\"say \"\"hi\"\"\"\r\n") != std::string::npos);
  CHECK_THROWS(CsvWriter(p, {"name", "value"}, true).row({"only one"}));
}

TEST_CASE("csv: append continues a file with the same header, filter keeps rows") {
  test::TempDir dir("csv");
  const std::string p = dir.file("log.csv");
  { CsvWriter(p, {"step", "x"}).row({"1", "a"}); }
  { CsvWriter(p, {"step", "x"}, true).row({"2", "b"}); }
  CHECK(read_csv(p).size() == 3);
  filter_csv(p, [](const std::vector<std::string>& r) { return r[0] == "1"; });
  auto rows = read_csv(p);
  REQUIRE(rows.size() == 2);
  CHECK(rows[1][1] == "a");
  CHECK(csv_number(0.5) == "0.5");
  CHECK(csv_number(std::nan("")) == "nan");
}

TEST_CASE("files: atomic write replaces whole") {
  test::TempDir dir("files");
  const std::string p = dir.file("x.txt");
  write_file_atomic(p, "one");
  write_file_atomic(p, "two");
  CHECK(read_file(p) == "two");
}
