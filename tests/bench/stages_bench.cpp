// Per-event cost of the receive stages without the network: the Socket.IO decode of each
// frame (42["claude_event",{payload}]) and the normalizer that turns its payload into a
// ClaudeEvent, on a gen_stream.js stream. Prints one JSON line of microseconds per event.
//
//   ea-bench-stages --stream FILE [--rounds N]
#include "ingest/EventNormalizer.h"
#include "protocol/SocketPacket.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstdio>
#include <ctime>

using namespace ea;

namespace {
qint64 cpuNowNs()
{
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}
} // namespace

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    QString stream;
    int rounds = 3;
    const QStringList args = app.arguments();
    for (qsizetype i = 1; i < args.size(); ++i) {
        if (args[i] == QLatin1String("--stream") && i + 1 < args.size())
            stream = args[++i];
        else if (args[i] == QLatin1String("--rounds") && i + 1 < args.size())
            rounds = args[++i].toInt();
    }
    QFile in(stream);
    if (stream.isEmpty() || !in.open(QIODevice::ReadOnly)) {
        std::fprintf(stderr, "usage: ea-bench-stages --stream FILE [--rounds N]\n");
        return 2;
    }
    QList<QByteArray> frames;
    for (const QByteArray& line : in.readAll().split('\n')) {
        if (!line.trimmed().isEmpty())
            frames.append("2[\"claude_event\"," + line + "]");
    }
    const QString name = QStringLiteral("claude_event");
    const QDateTime now = QDateTime::currentDateTimeUtc();
    // Reads the payload from the decoder's parse where the packet carries one.
    const auto normalizeDecoded = [&](const auto& packet) -> qsizetype {
        if constexpr (requires { packet.parsed; }) {
            return EventNormalizer::normalize(name, packet.elements.value(1), now,
                                              packet.parsed.element(1))
                .events.size();
        } else {
            return EventNormalizer::normalize(name, packet.elements.value(1), now).events.size();
        }
    };
    qint64 decodeNs = 0;
    qint64 bothNs = 0;
    qint64 events = 0;
    for (int r = 0; r < rounds; ++r) {
        qint64 t0 = cpuNowNs();
        for (const QByteArray& f : frames)
            events += SocketPacket::decode(f).ok();
        decodeNs += cpuNowNs() - t0;
        t0 = cpuNowNs();
        for (const QByteArray& f : frames) {
            const auto p = SocketPacket::decode(f);
            events += normalizeDecoded(p.value);
        }
        bothNs += cpuNowNs() - t0;
    }
    const double n = double(frames.size()) * rounds;
    QJsonObject o;
    o.insert(QStringLiteral("events"), double(frames.size()));
    o.insert(QStringLiteral("rounds"), rounds);
    o.insert(QStringLiteral("decode_us"), double(decodeNs) / 1e3 / n);
    o.insert(QStringLiteral("decode_normalize_us"), double(bothNs) / 1e3 / n);
    o.insert(QStringLiteral("normalize_us"), double(bothNs - decodeNs) / 1e3 / n);
    o.insert(QStringLiteral("check"), double(events));
    std::fprintf(stdout, "%s\n", QJsonDocument(o).toJson(QJsonDocument::Compact).constData());
    return 0;
}
