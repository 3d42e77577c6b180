#include "bench/delivery_ledger.hpp"

#include <algorithm>

namespace tandem::bench {

DeliveryLedger::Slot* DeliveryLedger::slot(std::size_t doc, std::uint64_t version) {
  if (version >= kMaxVersions) return nullptr;
  if (doc >= docs_.size()) docs_.resize(doc + 1);
  auto& slots = docs_[doc];
  if (version >= slots.size()) {
    slots.resize(std::max<std::size_t>(version + 1, slots.size() * 2));
  }
  return &slots[version];
}

void DeliveryLedger::received(std::size_t doc, std::uint64_t version, std::int64_t now_ns,
                              bool own) {
  Slot* s = slot(doc, version);
  if (s == nullptr) return;
  ++s->receivers;
  s->last_ns = std::max(s->last_ns, now_ns);
  if (!own && (s->first_ns == 0 || now_ns < s->first_ns)) s->first_ns = now_ns;
}

void DeliveryLedger::submitted(std::size_t doc, std::uint64_t version, std::int64_t submit_ns) {
  if (Slot* s = slot(doc, version)) s->submit_ns = submit_ns;
}

void DeliveryLedger::merge(const DeliveryLedger& other) {
  if (other.docs_.size() > docs_.size()) docs_.resize(other.docs_.size());
  for (std::size_t doc = 0; doc < other.docs_.size(); ++doc) {
    const auto& theirs = other.docs_[doc];
    auto& ours = docs_[doc];
    if (theirs.size() > ours.size()) ours.resize(theirs.size());
    for (std::size_t v = 0; v < theirs.size(); ++v) {
      const Slot& t = theirs[v];
      Slot& o = ours[v];
      o.receivers += t.receivers;
      o.last_ns = std::max(o.last_ns, t.last_ns);
      if (t.first_ns != 0 && (o.first_ns == 0 || t.first_ns < o.first_ns)) o.first_ns = t.first_ns;
      if (t.submit_ns != 0) o.submit_ns = t.submit_ns;
    }
  }
}

DeliveryLedger::Summary DeliveryLedger::summarize(
    const std::vector<std::uint32_t>& subscribers) const {
  Summary summary;
  auto micros = [](std::int64_t from, std::int64_t to) {
    return static_cast<std::uint64_t>(std::max<std::int64_t>(0, to - from) / 1000);
  };
  for (std::size_t doc = 0; doc < docs_.size(); ++doc) {
    const std::uint32_t expected = doc < subscribers.size() ? subscribers[doc] : 0;
    for (const Slot& s : docs_[doc]) {
      if (s.submit_ns == 0) continue;
      if (s.first_ns != 0) summary.to_first.record(micros(s.submit_ns, s.first_ns));
      if (s.receivers >= expected) {
        ++summary.complete;
        summary.to_all.record(micros(s.submit_ns, s.last_ns));
      } else {
        ++summary.incomplete;
      }
    }
  }
  return summary;
}

}  // namespace tandem::bench
