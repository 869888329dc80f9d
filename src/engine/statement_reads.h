#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "engine/system_tables.h"
#include "tables/read_view.h"
#include "tables/table_reader.h"

namespace kalam::engine {

// The reads of one statement: one ReadView that serves every scan, the ScanSpec of each
// table reference, registered while the statement is analysed, and what its caller may
// read (for information_schema). The rewritten SQL names a scan only by its handle
// (`kalam_scan(<handle>)`), so what DuckDB reads is exactly what was resolved and
// authorised: no table name is looked up again.
//
// Built by one thread, then read by the statement's DuckDB threads while Engine::Query
// runs; it must outlive the query.
class StatementReads {
 public:
  StatementReads() = default;  // a statement that reads no table
  explicit StatementReads(std::shared_ptr<const tables::ReadView> view) : view_(std::move(view)) {}

  // Registers a scan and returns its handle. REQUIRES: constructed with a view.
  uint64_t Add(tables::ScanSpec spec) {
    specs_.push_back(std::move(spec));
    return specs_.size() - 1;
  }
  // The spec of `handle`, or null if no such scan was registered.
  const tables::ScanSpec* Find(uint64_t handle) const {
    return handle < specs_.size() ? &specs_[handle] : nullptr;
  }
  const std::shared_ptr<const tables::ReadView>& view() const { return view_; }

  // The access decision of the statement's caller, which information_schema lists by (set
  // by the SQL layer; unset, nothing is listed). What it refers to must outlive the query.
  void SetMayRead(MayRead may_read) { may_read_ = std::move(may_read); }
  const MayRead& may_read() const { return may_read_; }

 private:
  std::shared_ptr<const tables::ReadView> view_;
  std::vector<tables::ScanSpec> specs_;
  MayRead may_read_;
};

}  // namespace kalam::engine
