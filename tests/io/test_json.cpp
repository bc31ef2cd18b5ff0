// io/json.h: nlohmann-json with duplicate keys refused, positions in errors, files named.
#include "catch.h"
#include "lpa/errors.h"
#include "lpa/io/json.h"
#include "test_support.h"

using namespace lpa;

TEST_CASE("json: parses objects, arrays, strings with escapes, numbers, in document order") {
  auto v = parse_json(R"( {"z": [1, 2, 30], "s": "x\"y\\z\u00e9\n", "o": {"t": true, "n": null}, "f": -1.5e3} )");
  REQUIRE(v.is_object());
  CHECK(v.begin().key() == "z");  // ordered: safetensors tensors come back in file order
  CHECK(v["z"].size() == 3);
  CHECK(v["z"][2].get<uint64_t>() == 30);
  CHECK(v["s"].get<std::string>() == "x\"y\\z\xc3\xa9\n");
  CHECK(v["o"]["t"].get<bool>());
  CHECK(v["o"]["n"].is_null());
  CHECK(v["f"].get<double>() == -1500.0);
  CHECK_FALSE(v["f"].is_number_unsigned());
  CHECK_FALSE(v.contains("missing"));
}

TEST_CASE("json: rejects malformed text and duplicate keys, and says where") {
  CHECK_THROWS_WITH(parse_json("{\"a\": 1,}"), Catch::Contains("at byte 8"));
  CHECK_THROWS_WITH(parse_json("{\"a\": 1, \"a\": 2}"), Catch::Contains("duplicate key 'a'"));
  CHECK_THROWS_WITH(parse_json("{\"o\": {\"a\": 1, \"b\": {\"a\": 2}, \"a\": 3}}"), Catch::Contains("duplicate key 'a'"));
  CHECK_NOTHROW(parse_json("{\"a\": {\"a\": 1}, \"b\": {\"a\": 2}}"));  // the same key in different objects
  CHECK_THROWS_WITH(parse_json("{\"a\": 1} x"), Catch::Contains("at byte"));
  CHECK_THROWS(parse_json("{\"a\": \"unterminated}"));
  CHECK_THROWS(parse_json(""));
}

TEST_CASE("json: quoting round-trips through the parser, invalid UTF-8 replaced") {
  const std::string s = std::string("tab\there \"q\" back\\slash nl\n ctl") + char(1);
  CHECK(parse_json(json_quote(s)).get<std::string>() == s);
  CHECK(parse_json(json_quote("a\xff" "b")).get<std::string>() == "a\xef\xbf\xbd" "b");
}

TEST_CASE("json: a file that is not JSON is named in a UserError") {
  test::TempDir tmp("json");
  test::write_text(tmp.file("bad.json"), "{\"a\": }");
  CHECK_THROWS_AS(read_json_file(tmp.file("bad.json")), UserError);
  CHECK_THROWS_WITH(read_json_file(tmp.file("bad.json")), Catch::Contains(tmp.file("bad.json") + ": not valid JSON"));
}
