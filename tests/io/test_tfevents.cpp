// TensorBoard event files: CRC-32C against published check values, the Event encoding against
// bytes worked out by hand from the protobuf wire format, the record framing, and the
// truncation a resumed run applies.
#include <cstring>

#include "catch.h"
#include "lpa/io/crc32c.h"
#include "lpa/io/files.h"
#include "lpa/io/tfevents.h"
#include "test_support.h"

using namespace lpa;

namespace {

std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int x : b) s += static_cast<char>(x);
  return s;
}

std::vector<ScalarEvent> events_in(const std::string& file) {
  std::vector<ScalarEvent> out;
  for (const auto& r : read_records(read_file(file))) out.push_back(decode_event(r));
  return out;
}

}  // namespace

TEST_CASE("crc32c: the standard check value and RFC 3720's test vectors") {
  CHECK(crc32c("123456789", 9) == 0xE3069283U);
  CHECK(crc32c("", 0) == 0U);
  const std::string zeros(32, '\0'), ones(32, '\xff');
  std::string up;
  for (int i = 0; i < 32; ++i) up += static_cast<char>(i);
  CHECK(crc32c(zeros.data(), 32) == 0x8A9136AAU);
  CHECK(crc32c(ones.data(), 32) == 0x62A8AB43U);
  CHECK(crc32c(up.data(), 32) == 0x46DD794EU);
  CHECK(crc32c("56789", 5, crc32c("1234", 4)) == 0xE3069283U);  // continued over pieces
  // TFRecord's mask: rotate right by 15, add 0xa282ead8.
  const uint32_t c = 0xE3069283U;
  CHECK(masked_crc32c("123456789", 9) == ((c >> 15) | (c << 17)) + 0xA282EAD8U);
}

TEST_CASE("tfevents: an Event is encoded as the protobuf wire format says") {
  ScalarEvent e;
  e.wall_time = 1.0;
  e.step = 3;
  e.values = {{"a", 1.0F}};
  // wall_time: key 0x09 + double 1.0 LE; step: key 0x10 + varint 3; summary: key 0x2a, len 10:
  //   value: key 0x0a, len 8: tag key 0x0a len 1 'a', simple_value key 0x15 + float 1.0 LE.
  const std::string want = bytes({0x09, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0x10, 0x03, 0x2a, 0x0a, 0x0a, 0x08, 0x0a, 0x01,
                                  'a', 0x15, 0, 0, 0x80, 0x3f});
  CHECK(encode_event(e) == want);
  ScalarEvent v;
  v.wall_time = 2.5;
  v.step = 0;
  v.file_version = "brain.Event:2";
  const std::string enc = encode_event(v);
  CHECK(enc.find(bytes({0x1a, 13}) + "brain.Event:2") != std::string::npos);
  // A step past 2^31 takes a multi-byte varint; the decoder reads every field back.
  e.step = 5000000000LL;
  e.values = {{"train/loss", 0.25F}, {"val/mse/d4", 3e-5F}};
  const ScalarEvent back = decode_event(encode_event(e));
  CHECK(back.step == 5000000000LL);
  CHECK(back.wall_time == 1.0);
  REQUIRE(back.values.size() == 2);
  CHECK(back.values[0].first == "train/loss");
  CHECK(back.values[0].second == 0.25F);
  CHECK(back.values[1].second == 3e-5F);
  CHECK(decode_event(enc).file_version == "brain.Event:2");
  CHECK_THROWS_WITH(decode_event(bytes({0x2a, 0x40, 0x0a})), Catch::Contains("a length past the end"));
}

TEST_CASE("tfevents: records are framed with masked CRCs, reading stops at a cut-off or corrupt one") {
  const std::string a = frame_record("first"), b = frame_record("second");
  REQUIRE(a.size() == 8 + 4 + 5 + 4);
  uint64_t len = 0;
  std::memcpy(&len, a.data(), 8);
  CHECK(len == 5);
  uint32_t len_crc = 0, data_crc = 0;
  std::memcpy(&len_crc, a.data() + 8, 4);
  std::memcpy(&data_crc, a.data() + 17, 4);
  CHECK(len_crc == masked_crc32c(a.data(), 8));
  CHECK(data_crc == masked_crc32c("first", 5));
  size_t whole = 0;
  CHECK(read_records(a + b, &whole) == std::vector<std::string>{"first", "second"});
  CHECK(whole == a.size() + b.size());
  CHECK(read_records(a + b.substr(0, b.size() - 1), &whole) == std::vector<std::string>{"first"});
  CHECK(whole == a.size());
  std::string flipped = a + b;
  flipped[a.size() + 14] ^= 1;  // a byte of "second"
  CHECK(read_records(flipped) == std::vector<std::string>{"first"});
}

TEST_CASE("tfevents: a writer starts with file_version, resume keeps steps up to the checkpoint once") {
  test::TempDir dir("tfevents");
  const std::string tb = dir.file("tb");
  {
    EventFileWriter w(tb, false);
    CHECK(w.path().find("/events.out.tfevents.") != std::string::npos);
    for (int64_t s = 10; s <= 50; s += 10) w.scalars(s, {{"train/loss", static_cast<double>(s)}});
  }
  auto files = list_event_files(tb);
  REQUIRE(files.size() == 1);
  auto ev = events_in(files[0]);
  REQUIRE(ev.size() == 6);
  CHECK(ev[0].file_version == "brain.Event:2");
  CHECK(ev[5].step == 50);
  CHECK(ev[5].values[0].second == 50.0F);
  // A killed writer's half record, and a second file (another start), both in the folder.
  test::write_text(files[0], read_file(files[0]) + frame_record("x").substr(0, 7));
  const std::string other = tb + "/events.out.tfevents.9999999999.other";
  {
    ScalarEvent e;
    e.step = 20;
    e.values = {{"train/loss", -1.0F}};
    test::write_text(other, frame_record(encode_event(e)));
  }
  truncate_events_after_step(tb, 30);
  files = list_event_files(tb);
  REQUIRE(files.size() == 1);
  ev = events_in(files[0]);
  REQUIRE(ev.size() == 4);  // version, 10, 20, 30 from the run's (first) file; the other is gone
  CHECK(ev[3].step == 30);
  CHECK(read_records(read_file(files[0])).size() == 4);  // no half record left
  {
    EventFileWriter w(tb, true);  // continues that file
    CHECK(w.path() == files[0]);
    w.scalars(40, {{"train/loss", 4.0}});
  }
  ev = events_in(files[0]);
  REQUIRE(ev.size() == 5);
  CHECK(ev[4].step == 40);
  { EventFileWriter fresh(tb, false); }  // a fresh run: one new file, version only
  files = list_event_files(tb);
  REQUIRE(files.size() == 1);
  CHECK(events_in(files[0]).size() == 1);
}
