import Glibc

/// The temporary files in flight, so a signal handler can remove them before the process dies.
public final class TemporaryFileRegistry: @unchecked Sendable {
    /// The registry every `AtomicOutputFile` records its hidden temporary in.
    public static let shared = TemporaryFileRegistry()
    private var lock = pthread_mutex_t()
    private var paths: Set<String> = []

    private init() {
        pthread_mutex_init(&lock, nil)
    }

    func insert(_ path: String?) {
        guard let path else { return }
        pthread_mutex_lock(&lock)
        paths.insert(path)
        pthread_mutex_unlock(&lock)
    }

    func remove(_ path: String) {
        pthread_mutex_lock(&lock)
        paths.remove(path)
        pthread_mutex_unlock(&lock)
    }

    /// Unlinks every temporary file still in flight. Meant for a signal handler that then exits: it does not
    /// wait for the lock (the interrupted thread may hold it), so it removes nothing rather than hang.
    public func removeAll() {
        guard pthread_mutex_trylock(&lock) == 0 else { return }
        for path in paths { unlink(path) }
        paths.removeAll()
        pthread_mutex_unlock(&lock)
    }
}
