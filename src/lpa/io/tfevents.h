// TensorBoard event files (TensorFlow's `tfevents` format), written without TensorFlow or
// protobuf: a file is a sequence of records
//   uint64 length | uint32 masked CRC32C(length) | data | uint32 masked CRC32C(data)
// (little-endian), each record's data one serialized `Event` protobuf message:
//   Event   { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
//   Summary { repeated Value value = 1; }
//   Value   { string tag = 1; float simple_value = 2; }
// The first record of a file holds file_version "brain.Event:2"; the others scalar summaries.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "lpa/io/append_file.h"

namespace lpa {

struct ScalarEvent {
  double wall_time = 0;
  int64_t step = 0;
  std::string file_version;                         // only in a file's first record
  std::vector<std::pair<std::string, float>> values;  // (tag, simple_value)
};

std::string encode_event(const ScalarEvent& e);
// Throws UserError on bytes that are not an Event message; fields it does not know are skipped.
ScalarEvent decode_event(const std::string& data);

std::string frame_record(const std::string& data);
// The records of a file's bytes, up to the first one cut short or failing a CRC (what a killed
// writer leaves); *whole_bytes, when given, is where the whole records end.
std::vector<std::string> read_records(const std::string& bytes, size_t* whole_bytes = nullptr);

// "events.out.tfevents.<seconds>.<host>", TensorBoard's name (it reads every such file in a folder).
std::string event_file_name();
// The event files in `dir`, sorted by name; none when `dir` does not exist.
std::vector<std::string> list_event_files(const std::string& dir);

// On resume: keeps the records with step <= `step` (and the file_version record) of the run's
// event file in `dir` (the first by name; any other is removed), so each (tag, step) is written
// once. Records from a cut-off or bad-CRC one on are dropped. No-op without files.
void truncate_events_after_step(const std::string& dir, int64_t step);

class EventFileWriter {
 public:
  // Creates `dir`. append=true continues the first event file there (a resumed run); otherwise
  // the event files there are removed and a new one starts with the file_version record.
  EventFileWriter(const std::string& dir, bool append);
  // One Event holding every (tag, value), written and flushed at once.
  void scalars(int64_t step, const std::vector<std::pair<std::string, double>>& values);
  const std::string& path() const { return file_->path(); }

 private:
  std::unique_ptr<AppendFile> file_;
};

}  // namespace lpa
