#ifndef WEIGHTKIT_CLIBZIP_SHIM_H
#define WEIGHTKIT_CLIBZIP_SHIM_H

#include <zip.h>
#include <string.h>
#include <stdlib.h>
#include <errno.h>
#include <unistd.h>

// libzip has no public call that gives the byte offset of an entry's data. WeightKit wants STORED
// entries as zero-copy views into the memory-mapped file, so it feeds libzip the mapped bytes through
// this source and notes where libzip's reads land: the first read of an entry opened raw
// (ZIP_FL_COMPRESSED) starts exactly at the entry's data, after libzip parsed and checked its local header.
typedef struct wk_zip_memory {
    const unsigned char *_Nullable bytes;
    zip_uint64_t length;
    zip_uint64_t position;
    zip_uint64_t last_read_offset;
    zip_error_t error;
} wk_zip_memory;

static inline zip_int64_t wk_zip_memory_callback(void *_Nullable userdata, void *_Nullable data,
                                                 zip_uint64_t len, zip_source_cmd_t cmd) {
    wk_zip_memory *memory = (wk_zip_memory *)userdata;
    switch (cmd) {
    case ZIP_SOURCE_OPEN:
        memory->position = 0;
        return 0;
    case ZIP_SOURCE_READ: {
        zip_uint64_t available = memory->position < memory->length ? memory->length - memory->position : 0;
        zip_uint64_t n = len < available ? len : available;
        memory->last_read_offset = memory->position;
        if (n > 0) {
            memcpy(data, memory->bytes + memory->position, (size_t)n);
        }
        memory->position += n;
        return (zip_int64_t)n;
    }
    case ZIP_SOURCE_CLOSE:
    case ZIP_SOURCE_FREE:
        return 0;
    case ZIP_SOURCE_STAT: {
        zip_stat_t *st = ZIP_SOURCE_GET_ARGS(zip_stat_t, data, len, &memory->error);
        if (st == NULL) {
            return -1;
        }
        zip_stat_init(st);
        st->size = memory->length;
        st->comp_size = memory->length;
        st->comp_method = ZIP_CM_STORE;
        st->encryption_method = ZIP_EM_NONE;
        st->valid = ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE | ZIP_STAT_COMP_METHOD | ZIP_STAT_ENCRYPTION_METHOD;
        return (zip_int64_t)sizeof(*st);
    }
    case ZIP_SOURCE_ERROR:
        return zip_error_to_data(&memory->error, data, len);
    case ZIP_SOURCE_SEEK: {
        zip_int64_t target = zip_source_seek_compute_offset(memory->position, memory->length, data, len,
                                                            &memory->error);
        if (target < 0) {
            return -1;
        }
        memory->position = (zip_uint64_t)target;
        return 0;
    }
    case ZIP_SOURCE_TELL:
        return (zip_int64_t)memory->position;
    case ZIP_SOURCE_SUPPORTS:
        return ZIP_SOURCE_SUPPORTS_SEEKABLE;
    default:
        zip_error_set(&memory->error, ZIP_ER_OPNOTSUPP, 0);
        return -1;
    }
}

/// Opens an archive over `memory`; the caller keeps `memory` alive until zip_discard.
static inline zip_t *_Nullable wk_zip_open_memory(wk_zip_memory *_Nonnull memory, int flags,
                                                 zip_error_t *_Nonnull error) {
    zip_error_init(&memory->error);
    zip_source_t *source = zip_source_function_create(wk_zip_memory_callback, memory, error);
    if (source == NULL) {
        return NULL;
    }
    zip_t *archive = zip_open_from_source(source, flags, error);
    if (archive == NULL) {
        zip_source_free(source);
    }
    return archive;
}

/// The byte offset of entry `index`'s stored data, or -1 with `error` set. The entry must be non-empty.
static inline zip_int64_t wk_zip_data_offset(zip_t *_Nonnull archive, wk_zip_memory *_Nonnull memory,
                                             zip_uint64_t index, zip_error_t *_Nonnull error) {
    zip_file_t *file = zip_fopen_index(archive, index, ZIP_FL_COMPRESSED);
    if (file == NULL) {
        zip_error_set(error, zip_error_code_zip(zip_get_error(archive)), zip_error_code_system(zip_get_error(archive)));
        return -1;
    }
    unsigned char first = 0;
    zip_int64_t got = zip_fread(file, &first, 1);
    if (got != 1) {
        zip_error_set(error, ZIP_ER_READ, 0);
        zip_fclose(file);
        return -1;
    }
    zip_fclose(file);
    zip_uint64_t offset = memory->last_read_offset;
    if (offset >= memory->length || memory->bytes[offset] != first) {
        zip_error_set(error, ZIP_ER_INCONS, 0);
        return -1;
    }
    return (zip_int64_t)offset;
}

// Writing: libzip writes a new archive through a source. WeightKit's output is an unnamed temporary file
// (AtomicOutputFile), so this sink writes at positions of that descriptor; nothing reaches the
// destination's name until the caller commits.
typedef struct wk_zip_sink {
    int descriptor;
    zip_uint64_t position;
    zip_uint64_t length;
    zip_error_t error;
} wk_zip_sink;

static inline zip_int64_t wk_zip_sink_callback(void *_Nullable userdata, void *_Nullable data, zip_uint64_t len,
                                               zip_source_cmd_t cmd) {
    wk_zip_sink *sink = (wk_zip_sink *)userdata;
    switch (cmd) {
    case ZIP_SOURCE_SUPPORTS:
        return ZIP_SOURCE_SUPPORTS_WRITABLE;
    case ZIP_SOURCE_STAT:
        // A new archive: there is nothing to read yet.
        zip_error_set(&sink->error, ZIP_ER_READ, ENOENT);
        return -1;
    case ZIP_SOURCE_OPEN:
    case ZIP_SOURCE_CLOSE:
    case ZIP_SOURCE_FREE:
    case ZIP_SOURCE_COMMIT_WRITE:
    case ZIP_SOURCE_ROLLBACK_WRITE:
    case ZIP_SOURCE_REMOVE:
        return 0;
    case ZIP_SOURCE_READ:
        return 0;
    case ZIP_SOURCE_SEEK:
    case ZIP_SOURCE_TELL:
        return 0;
    case ZIP_SOURCE_BEGIN_WRITE:
        sink->position = 0;
        sink->length = 0;
        return 0;
    case ZIP_SOURCE_WRITE: {
        const unsigned char *bytes = (const unsigned char *)data;
        zip_uint64_t done = 0;
        while (done < len) {
            ssize_t n = pwrite(sink->descriptor, bytes + done, (size_t)(len - done), (off_t)(sink->position + done));
            if (n < 0) {
                if (errno == EINTR) {
                    continue;
                }
                zip_error_set(&sink->error, ZIP_ER_WRITE, errno);
                return -1;
            }
            done += (zip_uint64_t)n;
        }
        sink->position += len;
        if (sink->position > sink->length) {
            sink->length = sink->position;
        }
        return (zip_int64_t)len;
    }
    case ZIP_SOURCE_SEEK_WRITE: {
        zip_int64_t target = zip_source_seek_compute_offset(sink->position, sink->length, data, len, &sink->error);
        if (target < 0) {
            return -1;
        }
        sink->position = (zip_uint64_t)target;
        return 0;
    }
    case ZIP_SOURCE_TELL_WRITE:
        return (zip_int64_t)sink->position;
    case ZIP_SOURCE_ERROR:
        return zip_error_to_data(&sink->error, data, len);
    default:
        zip_error_set(&sink->error, ZIP_ER_OPNOTSUPP, 0);
        return -1;
    }
}

/// Creates a new archive written through `sink`; the caller keeps `sink` alive until zip_close or zip_discard.
static inline zip_t *_Nullable wk_zip_create(wk_zip_sink *_Nonnull sink, zip_error_t *_Nonnull error) {
    zip_error_init(&sink->error);
    zip_source_t *source = zip_source_function_create(wk_zip_sink_callback, sink, error);
    if (source == NULL) {
        return NULL;
    }
    zip_t *archive = zip_open_from_source(source, ZIP_CREATE | ZIP_TRUNCATE, error);
    if (archive == NULL) {
        zip_source_free(source);
    }
    return archive;
}

// An entry's bytes, pulled from the caller only when libzip writes that entry, so that one entry at a time
// is in memory. `open` prepares entry `index`, `read` copies `length` bytes from `offset` into `buffer`,
// `close` releases it; `open` and `read` return 0 on success.
typedef int (*wk_zip_pull_open)(void *_Nullable context, zip_uint64_t index);
typedef int (*wk_zip_pull_read)(void *_Nullable context, zip_uint64_t index, zip_uint64_t offset,
                                void *_Nonnull buffer, zip_uint64_t length);
typedef void (*wk_zip_pull_close)(void *_Nullable context, zip_uint64_t index);

typedef struct wk_zip_pull {
    void *_Nullable context;
    zip_uint64_t index;
    zip_uint64_t length;
    zip_uint64_t position;
    wk_zip_pull_open _Nonnull open;
    wk_zip_pull_read _Nonnull read;
    wk_zip_pull_close _Nonnull close;
    zip_error_t error;
} wk_zip_pull;

static inline zip_int64_t wk_zip_pull_callback(void *_Nullable userdata, void *_Nullable data, zip_uint64_t len,
                                               zip_source_cmd_t cmd) {
    wk_zip_pull *pull = (wk_zip_pull *)userdata;
    switch (cmd) {
    case ZIP_SOURCE_SUPPORTS:
        return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE, ZIP_SOURCE_STAT,
                                              ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE, -1);
    case ZIP_SOURCE_OPEN:
        pull->position = 0;
        if (pull->open(pull->context, pull->index) != 0) {
            zip_error_set(&pull->error, ZIP_ER_READ, 0);
            return -1;
        }
        return 0;
    case ZIP_SOURCE_READ: {
        zip_uint64_t available = pull->length - pull->position;
        zip_uint64_t n = len < available ? len : available;
        if (n > 0 && pull->read(pull->context, pull->index, pull->position, data, n) != 0) {
            zip_error_set(&pull->error, ZIP_ER_READ, 0);
            return -1;
        }
        pull->position += n;
        return (zip_int64_t)n;
    }
    case ZIP_SOURCE_CLOSE:
        pull->close(pull->context, pull->index);
        return 0;
    case ZIP_SOURCE_STAT: {
        zip_stat_t *st = ZIP_SOURCE_GET_ARGS(zip_stat_t, data, len, &pull->error);
        if (st == NULL) {
            return -1;
        }
        zip_stat_init(st);
        st->size = pull->length;
        // A fixed time (the DOS epoch, as torch writes) keeps the output a function of its input alone.
        st->mtime = 315532800;
        st->valid = ZIP_STAT_SIZE | ZIP_STAT_MTIME;
        return (zip_int64_t)sizeof(*st);
    }
    case ZIP_SOURCE_ERROR:
        return zip_error_to_data(&pull->error, data, len);
    case ZIP_SOURCE_FREE:
        free(pull);
        return 0;
    default:
        zip_error_set(&pull->error, ZIP_ER_OPNOTSUPP, 0);
        return -1;
    }
}

/// Adds entry `name` (STORED, `length` bytes pulled through the callbacks) as index `index`; -1 on failure.
static inline zip_int64_t wk_zip_add_pulled(zip_t *_Nonnull archive, const char *_Nonnull name, zip_uint64_t index,
                                            zip_uint64_t length, void *_Nullable context, wk_zip_pull_open _Nonnull open,
                                            wk_zip_pull_read _Nonnull read, wk_zip_pull_close _Nonnull close) {
    wk_zip_pull *pull = (wk_zip_pull *)calloc(1, sizeof(wk_zip_pull));
    if (pull == NULL) {
        return -1;
    }
    pull->context = context;
    pull->index = index;
    pull->length = length;
    pull->open = open;
    pull->read = read;
    pull->close = close;
    zip_error_init(&pull->error);
    zip_source_t *source = zip_source_function(archive, wk_zip_pull_callback, pull);
    if (source == NULL) {
        free(pull);
        return -1;
    }
    zip_int64_t added = zip_file_add(archive, name, source, ZIP_FL_ENC_UTF_8);
    if (added < 0) {
        zip_source_free(source);
        return -1;
    }
    if (zip_set_file_compression(archive, (zip_uint64_t)added, ZIP_CM_STORE, 0) < 0) {
        return -1;
    }
    return added;
}

#endif
