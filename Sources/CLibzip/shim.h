#ifndef WEIGHTKIT_CLIBZIP_SHIM_H
#define WEIGHTKIT_CLIBZIP_SHIM_H

#include <zip.h>
#include <string.h>

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

#endif
