// local_bus.cpp — the in-process hub.
#include "bus/local/local_bus.hpp"

#include <boost/asio/post.hpp>

namespace bus {

void Hub::publish(const std::string& channel, const Payload& payload) {
  std::lock_guard lock(mu_);
  for (LocalBus* member : members_) member->deliver(channel, payload);
}

LocalBus::LocalBus(boost::asio::io_context& ioc, std::shared_ptr<Hub> hub)
    : strand_(boost::asio::make_strand(ioc)), hub_(std::move(hub)) {}

LocalBus::~LocalBus() { stop(); }

void LocalBus::start() {
  {
    std::lock_guard lock(mu_);
    stopped_ = false;
  }
  std::lock_guard lock(hub_->mu_);
  hub_->members_.insert(this);
}

void LocalBus::stop() {
  {
    std::lock_guard lock(hub_->mu_);
    hub_->members_.erase(this);
  }
  std::lock_guard lock(mu_);
  stopped_ = true;
  *alive_ = false;
  alive_ = std::make_shared<std::atomic<bool>>(true);
}

void LocalBus::subscribe(const std::string& channel) {
  std::shared_ptr<std::atomic<bool>> alive;
  {
    std::lock_guard lock(mu_);
    if (!channels_.insert(channel).second || stopped_) return;
    alive = alive_;
  }
  // In place at once; said on the strand like every handler call.
  boost::asio::post(strand_, [this, alive, channel] {
    if (*alive && handlers_.on_subscribed) handlers_.on_subscribed(channel);
  });
}

void LocalBus::unsubscribe(const std::string& channel) {
  std::lock_guard lock(mu_);
  channels_.erase(channel);
}

void LocalBus::publish(const std::string& channel, Payload payload) {
  hub_->publish(channel, payload);
}

// Called with the hub's lock held (so `this` is alive and started).
void LocalBus::deliver(const std::string& channel, const Payload& payload) {
  std::shared_ptr<std::atomic<bool>> alive;
  {
    std::lock_guard lock(mu_);
    if (stopped_ || !channels_.contains(channel)) return;
    alive = alive_;
  }
  boost::asio::post(strand_, [this, alive, channel, payload] {
    if (*alive && handlers_.on_message) handlers_.on_message(channel, payload);
  });
}

}  // namespace bus
