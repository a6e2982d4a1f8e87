// GroupCommit: the leader/follower group commit of the event stores. Each
// appending thread queues its requests; the first to find no commit in
// progress leads one for everything queued (up to `max_group` requests),
// so that one transaction and one fsync carry the appends of a busy moment,
// while the others wait for theirs to be done. FIFO: requests are committed
// in the order they were queued.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <vector>

namespace starlog::store {

// `Pending` is a request with a `bool done`, set here once its group's
// commit returned.
template <class Pending>
class GroupCommit {
 public:
  explicit GroupCommit(std::size_t max_group) : max_group_(max_group) {}

  // Queues `mine` and returns once each of them is done. `commit(group)`
  // runs, without the queue's lock, on whichever caller leads; it must give
  // every request of the group its result.
  template <class Commit>
  void run(const std::vector<Pending*>& mine, Commit&& commit) {
    if (mine.empty()) return;
    std::unique_lock lock(mutex_);
    for (Pending* p : mine) queue_.push_back(p);
    // In FIFO order, so the last of mine is done after all the others.
    Pending* const last_of_mine = mine.back();
    while (!last_of_mine->done) {
      if (leading_) {
        cv_.wait(lock);
        continue;
      }
      // No commit in progress: lead one for everything queued, mine included
      // (they are in the queue until a leader takes them).
      leading_ = true;
      std::vector<Pending*> group;
      while (!queue_.empty() && group.size() < max_group_) {
        group.push_back(queue_.front());
        queue_.pop_front();
      }
      lock.unlock();
      commit(group);
      lock.lock();
      for (Pending* p : group) p->done = true;
      leading_ = false;
      cv_.notify_all();
    }
  }

 private:
  const std::size_t max_group_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Pending*> queue_;
  bool leading_ = false;
};

}  // namespace starlog::store
