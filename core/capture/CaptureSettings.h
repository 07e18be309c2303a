#pragma once

#include "CaptureFilter.h"

#include <QString>
#include <QStringList>

// Everything CaptureService needs, resolved from the config file and the command line.
struct CaptureSettings
{
    QString host = QStringLiteral("127.0.0.1");
    quint16 port = 8765;
    bool allowRemote = false;
    QStringList events;        // Socket.IO event names aggregated
    QString activityDirectory; // absolute
    qint64 sessionTimeoutMs = 60 * 60 * 1000;
    qint64 proximityWindowMs = 5000;
    int autoCleanupDays = 30; // 0: never
    bool compressAll = false;
    CaptureFilter filter;
    QString recordFile; // empty: no recording
    bool useJournal = true;
    int saveRetryIntervalMs = 30000;
};
