// NoDestructor<T>: a function-local static that is constructed on first use
// and never destroyed, for process-wide singletons that must stay valid
// during static destruction (other threads or late destructors may still use
// them). Thread-safe construction (C++ magic statics).
#pragma once

#include <new>
#include <utility>

namespace eventlog::util {

template <typename T>
class NoDestructor {
 public:
  template <typename... Args>
  explicit NoDestructor(Args&&... args) {
    ::new (static_cast<void*>(storage_)) T(std::forward<Args>(args)...);
  }
  NoDestructor(const NoDestructor&) = delete;
  NoDestructor& operator=(const NoDestructor&) = delete;

  T* get() { return std::launder(reinterpret_cast<T*>(storage_)); }

 private:
  alignas(T) unsigned char storage_[sizeof(T)];
};

}  // namespace eventlog::util
