#include "catch.h"
#include "lpa/io/json.h"

using namespace lpa;

TEST_CASE("json: parses objects, arrays, strings with escapes, numbers") {
  auto v = parse_json(R"( {"a": [1, 2, 30], "s": "x\"y\\z\u00e9\n", "o": {"t": true, "n": null}, "f": -1.5e3} )");
  REQUIRE(v.is_object());
  REQUIRE(v.find("a"));
  CHECK(v.find("a")->array.size() == 3);
  CHECK(v.find("a")->array[2].as_uint() == 30);
  CHECK(v.find("s")->text == "x\"y\\z\xc3\xa9\n");
  CHECK(v.find("o")->find("t")->boolean);
  CHECK(v.find("o")->find("n")->type == JsonValue::Type::null);
  CHECK(v.find("f")->text == "-1.5e3");
  CHECK_THROWS(v.find("f")->as_uint());
  CHECK(v.find("missing") == nullptr);
}

TEST_CASE("json: rejects malformed text and says where") {
  CHECK_THROWS_WITH(parse_json("{\"a\": 1,}"), Catch::Contains("at byte"));
  CHECK_THROWS_WITH(parse_json("{\"a\": 1, \"a\": 2}"), Catch::Contains("duplicate key"));
  CHECK_THROWS_WITH(parse_json("{\"a\": 1} x"), Catch::Contains("after the JSON value"));
  CHECK_THROWS(parse_json("{\"a\": \"unterminated}"));
  CHECK_THROWS(parse_json(""));
}

TEST_CASE("json: quoting round-trips through the parser") {
  const std::string s = std::string("tab\there \"q\" back\\slash nl\n ctl") + char(1);
  CHECK(parse_json(json_quote(s)).text == s);
}
