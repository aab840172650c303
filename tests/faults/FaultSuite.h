#ifndef P2P_Faults_FaultSuite_INCLUDED
#define P2P_Faults_FaultSuite_INCLUDED

#include "History.h"
#include <Poco/Stopwatch.h>
#include <iostream>

namespace p2p::faults {

/// Seconds since `since`, for the figures the suite prints.
inline double secondsSince(const Poco::Timestamp& since)
{
	return static_cast<double>(since.elapsed()) / 1e6;
}

/// Polls condition until it holds or `limit` passes; returns the seconds it
/// took, or -1 when it never held.
double timeUntil(const std::function<bool()>& condition, Poco::Timespan limit);

/// Keeps a fault in place for `span` (the fault's length, not a wait for
/// something to happen).
void hold(Poco::Timespan span);

/// The owners node `through` names for each of the history's keys (GET
/// /dht/locate/{key}?n=3), by key index.
std::vector<std::vector<std::string>> ownersOf(const FaultNetwork& network, const History& history, int through);

/// timeUntil()'s answer as a figure: "1.2 s", or "never (within 60 s)".
std::string seconds(double value, Poco::Timespan limit);

/// A figure line: "  [faults] what: value".
void figure(const std::string& what, const std::string& value);

} // namespace p2p::faults

#endif
