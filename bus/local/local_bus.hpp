// local_bus.hpp — the in-process Bus: the default for a single instance, and how tests put two
// "instances" in one process.
//
// Buses made on the same Hub hear each other's publications on the channels they subscribe to
// (their own included, like Redis). A bus made without a hub has its own, so a lone instance's
// publications reach only itself — which the server ignores by instance id — at the cost of one
// hash lookup per message. Delivery is posted to each receiver's strand, preserving per-publisher
// order.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "bus/bus.hpp"

namespace bus {

class LocalBus;

class Hub {
 public:
  void publish(const std::string& channel, const Payload& payload);

 private:
  friend class LocalBus;
  std::mutex mu_;
  std::set<LocalBus*> members_;
};

class LocalBus final : public Bus {
 public:
  LocalBus(boost::asio::io_context& ioc, std::shared_ptr<Hub> hub = std::make_shared<Hub>());
  ~LocalBus() override;

  void set_handlers(Handlers handlers) override { handlers_ = std::move(handlers); }
  void start() override;
  void stop() override;
  void subscribe(const std::string& channel) override;
  void unsubscribe(const std::string& channel) override;
  void publish(const std::string& channel, Payload payload) override;
  bool healthy() const override { return true; }

 private:
  friend class Hub;
  void deliver(const std::string& channel, const Payload& payload);

  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  std::shared_ptr<Hub> hub_;
  Handlers handlers_;
  std::mutex mu_;  // guards channels_ and stopped_ (read by publishers' threads)
  std::set<std::string> channels_;
  bool stopped_ = true;
  std::shared_ptr<std::atomic<bool>> alive_ =
      std::make_shared<std::atomic<bool>>(true);  // read by posted handlers
};

}  // namespace bus
