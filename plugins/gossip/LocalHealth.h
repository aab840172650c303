#ifndef P2P_Gossip_LocalHealth_INCLUDED
#define P2P_Gossip_LocalHealth_INCLUDED

#include <Poco/Timespan.h>
#include <algorithm>
#include <atomic>

namespace p2p::gossip {

/// Lifeguard's local health (Dadgar, Phillips, Currey 2018): a missed probe
/// answer may be this node's own slowness as well as the member's, so each
/// miss (and each rumour of this node's suspicion it has to refute) raises
/// a score, each answer in time lowers it, and probe periods and timeouts
/// are (1 + score) times the configured ones. An overloaded machine then
/// probes less and waits longer instead of making every node suspect
/// every other. Lock-free; any thread.
class LocalHealth
{
public:
	static constexpr int kMax = 8;

	/// 0 while probes are answered in time, up to kMax.
	int score() const { return _score.load(); }
	void worse() { adjust(+1); }
	void better() { adjust(-1); }
	/// span, stretched by the score.
	Poco::Timespan scaled(Poco::Timespan span) const { return Poco::Timespan(span.totalMicroseconds() * (1 + _score.load())); }

private:
	void adjust(int delta)
	{
		int now = _score.load();
		while (!_score.compare_exchange_weak(now, std::clamp(now + delta, 0, kMax)))
		{
		}
	}

	std::atomic<int> _score{0};
};

} // namespace p2p::gossip

#endif
