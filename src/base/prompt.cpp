// SPDX-License-Identifier: Apache-2.0
#include "berth/base/prompt.hpp"

#include <termios.h>
#include <unistd.h>

#include <cerrno>

#include "berth/base/error.hpp"
#include "berth/base/fs.hpp"

namespace berth {

namespace {

/// The terminal without line editing, echo or signal keys (^C arrives as a
/// byte), output processing kept; restored on destruction. TCSANOW keeps
/// what was typed ahead.
class KeyMode {
 public:
  explicit KeyMode(int fd) : fd_(fd) {
    if (::tcgetattr(fd_, &saved_) != 0) return;
    termios keys = saved_;
    keys.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO | ISIG);
    keys.c_iflag &= ~static_cast<tcflag_t>(IXON);
    keys.c_cc[VMIN] = 1;
    keys.c_cc[VTIME] = 0;
    active_ = ::tcsetattr(fd_, TCSANOW, &keys) == 0;
  }
  ~KeyMode() {
    if (active_) ::tcsetattr(fd_, TCSANOW, &saved_);
  }
  KeyMode(const KeyMode&) = delete;
  KeyMode& operator=(const KeyMode&) = delete;

 private:
  int fd_;
  termios saved_{};
  bool active_ = false;
};

enum class Key { Up, Down, Enter, Abort, Digit, Other };

/// One key press: a byte or an escape sequence (ESC [ A / ESC O A ...).
Key readKey(int fd, int& digit) {
  const auto next = [fd]() -> int {
    unsigned char c = 0;
    for (;;) {
      const ssize_t n = ::read(fd, &c, 1);
      if (n == 1) return c;
      if (n == 0) return -1;
      if (errno != EINTR) throwErrno("read the terminal");
    }
  };
  const int c = next();
  switch (c) {
    case -1:
    case 3:  // ^C
    case 4:  // ^D
      return Key::Abort;
    case '\r':
    case '\n':
      return Key::Enter;
    case 'k':
    case 16:  // ^P
      return Key::Up;
    case 'j':
    case 14:  // ^N
      return Key::Down;
    case 27: {
      const int bracket = next();
      if (bracket != '[' && bracket != 'O') return bracket == -1 ? Key::Abort : Key::Other;
      const int code = next();
      if (code == 'A') return Key::Up;
      if (code == 'B') return Key::Down;
      return code == -1 ? Key::Abort : Key::Other;
    }
    default:
      if (c >= '1' && c <= '9') {
        digit = c - '1';
        return Key::Digit;
      }
      return Key::Other;
  }
}

}  // namespace

std::size_t promptSelect(std::string_view label, const std::vector<std::string>& items, int inFd,
                         int outFd) {
  if (items.empty()) throwError(Errc::Internal, "{}: nothing to select from", label);
  const KeyMode mode(inFd);
  std::size_t current = 0;
  const auto draw = [&](bool again) {
    std::string screen;
    if (again) screen += fmt::format("\x1b[{}A", items.size() + 1);
    screen += fmt::format("\x1b[2K\r\x1b[34m?\x1b[0m {}: \n", label);
    for (std::size_t i = 0; i < items.size(); ++i)
      screen += i == current
                    ? fmt::format("\x1b[2K\r  \x1b[1m\u25b8\x1b[0m \x1b[4m{}\x1b[0m\n", items[i])
                    : fmt::format("\x1b[2K\r    {}\n", items[i]);
    writeAll(outFd, screen, "the terminal");
  };
  writeAll(outFd, "\x1b[?25l", "the terminal");  // hide the cursor
  draw(false);
  for (;;) {
    int digit = 0;
    const Key key = readKey(inFd, digit);
    if (key == Key::Abort) {
      writeAll(outFd, "\x1b[?25h", "the terminal");
      throwError(Errc::InvalidArgument, "selection aborted (^C)");
    }
    if (key == Key::Enter) break;
    if (key == Key::Up && current > 0) --current;
    if (key == Key::Down && current + 1 < items.size()) ++current;
    if (key == Key::Digit && static_cast<std::size_t>(digit) < items.size())
      current = static_cast<std::size_t>(digit);
    draw(true);
  }
  // Only the choice stays on the screen.
  writeAll(outFd,
           fmt::format("\x1b[{}A\r\x1b[J\x1b[32m\u2714\x1b[0m \x1b[2m{}\x1b[0m\n\x1b[?25h",
                       items.size() + 1, items[current]),
           "the terminal");
  return current;
}

}  // namespace berth
