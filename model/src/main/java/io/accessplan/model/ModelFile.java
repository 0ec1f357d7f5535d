package io.accessplan.model;

import com.google.protobuf.InvalidProtocolBufferException;
import io.accessplan.features.encode.FeatureEncoder;
import org.tribuo.Model;
import org.tribuo.protos.core.ModelProto;
import org.tribuo.regression.Regressor;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * The model file container. Layout (big-endian):
 * <pre>
 *   8 bytes  magic "APMODEL\u001a"
 *   int      format version ({@link #FORMAT_VERSION})
 *   int      feature schema version the models were trained on ({@link FeatureEncoder#SCHEMA_VERSION} when written;
 *            older ones this build still encodes are read: {@link FeatureEncoder#of})
 *   int n, n bytes   metadata, UTF-8 JSON ({@link ModelMetadata})
 *   int k            number of Tribuo models, then k times:
 *     int n, n bytes   model name, UTF-8 ("step_time", "peak_memory")
 *     int n, n bytes   Tribuo's protobuf serialization of the model ({@link Model#serialize()})
 *   int      CRC32 of every byte before it
 * </pre>
 * The Tribuo models keep their full provenance. Reading never uses Java deserialization: the
 * container is parsed field by field with bounds checks and the models through
 * {@link Model#deserialize(ModelProto)}. The magic comes first (a foreign file is named as
 * such), then the CRC (a truncated or corrupted file), then the versions.
 */
public final class ModelFile {
    /** Container format version; bump it when the layout above changes. */
    public static final int FORMAT_VERSION = 1;

    private static final byte[] MAGIC = {'A', 'P', 'M', 'O', 'D', 'E', 'L', 0x1a};

    private ModelFile() {
    }

    /** The parts of a model file. */
    record Contents(int schemaVersion, ModelMetadata metadata, Map<String, Model<Regressor>> models) {
    }

    /** Encodes the container. */
    static byte[] write(int schemaVersion, ModelMetadata metadata, Map<String, Model<Regressor>> models) {
        try {
            ByteArrayOutputStream buf = new ByteArrayOutputStream(1 << 20);
            DataOutputStream out = new DataOutputStream(buf);
            out.write(MAGIC);
            out.writeInt(FORMAT_VERSION);
            out.writeInt(schemaVersion);
            writeBytes(out, metadata.toJson().getBytes(StandardCharsets.UTF_8));
            out.writeInt(models.size());
            for (Map.Entry<String, Model<Regressor>> e : models.entrySet()) {
                writeBytes(out, e.getKey().getBytes(StandardCharsets.UTF_8));
                writeBytes(out, e.getValue().serialize().toByteArray());
            }
            out.flush();
            CRC32 crc = new CRC32();
            crc.update(buf.toByteArray());
            out.writeInt((int) crc.getValue());
            out.flush();
            return buf.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
        out.writeInt(b.length);
        out.write(b);
    }

    /**
     * Decodes a container, checking that this build encodes its feature schema version
     * ({@link FeatureEncoder#encodes}); throws IllegalArgumentException with a one-line reason for
     * anything that is not such a file.
     */
    @SuppressWarnings("unchecked")
    static Contents read(byte[] bytes, String origin) {
        if (bytes.length < MAGIC.length || !java.util.Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new IllegalArgumentException("Not an accessplan model file: " + origin + " (bad magic header)");
        }
        if (bytes.length < MAGIC.length + 4 + 4 + 4) {
            throw new IllegalArgumentException("Truncated model file: " + origin + " (" + bytes.length + " bytes)");
        }
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, bytes.length - 4);
        ByteBuffer b = ByteBuffer.wrap(bytes);
        if ((int) crc.getValue() != b.getInt(bytes.length - 4)) {
            throw new IllegalArgumentException("Corrupted or truncated model file: " + origin + " (CRC32 mismatch)");
        }
        b.limit(bytes.length - 4);
        b.position(MAGIC.length);
        int format = b.getInt();
        if (format != FORMAT_VERSION) {
            throw new IllegalArgumentException("Unsupported model file format version " + format + " in " + origin
                    + " (this build reads version " + FORMAT_VERSION + ")");
        }
        int schema = b.getInt();
        if (!FeatureEncoder.encodes(schema)) {
            throw new IllegalArgumentException("Model file " + origin + " uses feature schema version " + schema
                    + ", this build encodes version " + FeatureEncoder.schemaVersion() + " (and reads "
                    + FeatureEncoder.SCHEMA_VERSION_4 + "): retrain the model");
        }
        try {
            ModelMetadata meta = ModelMetadata.fromJson(new String(bytes(b, origin), StandardCharsets.UTF_8));
            int k = b.getInt();
            if (k < 0 || k > 16) {
                throw new IllegalArgumentException("Invalid model file: " + origin + " (" + k + " models)");
            }
            Map<String, Model<Regressor>> models = new LinkedHashMap<>();
            for (int i = 0; i < k; i++) {
                String name = new String(bytes(b, origin), StandardCharsets.UTF_8);
                Model<?> m = Model.deserialize(ModelProto.parseFrom(bytes(b, origin)));
                if (!m.validate(Regressor.class)) {
                    throw new IllegalArgumentException("Invalid model file: " + origin + " (model " + name
                            + " is not a regressor)");
                }
                models.put(name, (Model<Regressor>) m);
            }
            if (b.hasRemaining()) {
                throw new IllegalArgumentException("Invalid model file: " + origin + " (trailing bytes)");
            }
            return new Contents(schema, meta, models);
        } catch (InvalidProtocolBufferException | java.nio.BufferUnderflowException e) {
            throw new IllegalArgumentException("Invalid model file: " + origin + " (" + e.getClass().getSimpleName()
                    + ")");
        } catch (IllegalArgumentException e) {
            throw e.getMessage() != null && e.getMessage().contains(origin) ? e
                    : new IllegalArgumentException("Invalid model file: " + origin + " (" + firstLine(e) + ")");
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("Invalid model file: " + origin + " (" + firstLine(e) + ")");
        }
    }

    private static byte[] bytes(ByteBuffer b, String origin) {
        int n = b.getInt();
        if (n < 0 || n > b.remaining()) {
            throw new IllegalArgumentException("Invalid model file: " + origin + " (field length " + n + ")");
        }
        byte[] out = new byte[n];
        b.get(out);
        return out;
    }

    private static String firstLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
