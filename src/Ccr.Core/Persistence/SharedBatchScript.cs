namespace Ccr.Core.Persistence;

/// <summary>
/// The one Lua script a flush runs: it sets the batch's marker with SET NX first and does nothing when the marker is
/// already there, so a batch whose reply was lost (timeout, Redis gone after applying it) and that is sent again counts
/// once. Then, atomically, the batch's operations: <c>h</c> HINCRBY + EXPIRE, <c>i</c> INCRBY + EXPIRE, <c>s</c> SADD +
/// EXPIRE, <c>x</c> a string mark kept at the later "untilMs|..." and expiring then, <c>c</c> the same in a hash field.
/// </summary>
internal static class SharedBatchScript
{
    /// <summary>How long a batch marker is kept: a batch resent later than this (Redis away longer) could count twice.</summary>
    public static readonly TimeSpan MarkerLifetime = TimeSpan.FromHours(6);

    /// <summary>KEYS[1] the marker; ARGV[1] its lifetime in ms; then the operations, flat.</summary>
    public const string Text = """
        if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then return 0 end
        local t = redis.call('TIME')
        local nowMs = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local i = 2
        local n = #ARGV
        while i <= n do
          local op = ARGV[i]
          if op == 'h' then
            redis.call('HINCRBY', ARGV[i+1], ARGV[i+2], ARGV[i+3])
            redis.call('EXPIRE', ARGV[i+1], ARGV[i+4])
            i = i + 5
          elseif op == 'i' then
            redis.call('INCRBY', ARGV[i+1], ARGV[i+2])
            redis.call('EXPIRE', ARGV[i+1], ARGV[i+3])
            i = i + 4
          elseif op == 's' then
            redis.call('SADD', ARGV[i+1], ARGV[i+2])
            redis.call('EXPIRE', ARGV[i+1], ARGV[i+3])
            i = i + 4
          elseif op == 'x' then
            local untilMs = tonumber(ARGV[i+2])
            if untilMs > nowMs then
              local cur = redis.call('GET', ARGV[i+1])
              local curUntil = 0
              if cur then curUntil = tonumber(string.match(cur, '^%d+')) or 0 end
              if untilMs > curUntil then redis.call('SET', ARGV[i+1], ARGV[i+3], 'PXAT', untilMs) end
            end
            i = i + 4
          elseif op == 'c' then
            local untilMs = tonumber(ARGV[i+3])
            if untilMs > nowMs then
              local cur = redis.call('HGET', ARGV[i+1], ARGV[i+2])
              local curUntil = 0
              if cur then curUntil = tonumber(string.match(cur, '^%d+')) or 0 end
              if untilMs > curUntil then
                redis.call('HSET', ARGV[i+1], ARGV[i+2], ARGV[i+4])
                local ttl = redis.call('PTTL', ARGV[i+1])
                if ttl < 0 or ttl < untilMs - nowMs then redis.call('PEXPIREAT', ARGV[i+1], untilMs) end
              end
            end
            i = i + 5
          else
            return redis.error_reply('ccr: unknown batch operation ' .. tostring(op))
          end
        end
        return 1
        """;
}
