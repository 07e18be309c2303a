#include "app/UnixSignalWatcher.h"

#include <csignal>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace ea {

namespace {
// A signal handler can reach nothing but process-wide state; this is the one such variable.
int g_signalFd[2] = {-1, -1};
} // namespace

UnixSignalWatcher::UnixSignalWatcher(QObject* parent) : QObject(parent)
{
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, g_signalFd) != 0)
        return;
    ::fcntl(g_signalFd[0], F_SETFL, O_NONBLOCK);
    ::fcntl(g_signalFd[1], F_SETFL, O_NONBLOCK);
    m_notifier = new QSocketNotifier(g_signalFd[1], QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, [this] {
        unsigned char sig = 0;
        while (::read(g_signalFd[1], &sig, 1) == 1)
            Q_EMIT terminationRequested(sig);
    });
    struct sigaction sa = {};
    sa.sa_handler = &UnixSignalWatcher::handle;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);
}

UnixSignalWatcher::~UnixSignalWatcher()
{
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    for (int& fd : g_signalFd) {
        if (fd >= 0)
            ::close(fd);
        fd = -1;
    }
}

void UnixSignalWatcher::handle(int signalNumber)
{
    const unsigned char sig = static_cast<unsigned char>(signalNumber);
    [[maybe_unused]] const auto n = ::write(g_signalFd[0], &sig, 1);
}

} // namespace ea

#include "moc_UnixSignalWatcher.cpp"
