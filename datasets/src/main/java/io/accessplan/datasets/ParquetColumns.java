package io.accessplan.datasets;

import io.accessplan.datasets.DatasetSchema.Column;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type.Repetition;
import org.apache.parquet.schema.Types;

/**
 * The Parquet mapping of {@link DatasetSchema}'s columns: the physical and logical type of each
 * column type, and the message type of a part file (REQUIRED columns, OPTIONAL where nullable).
 */
public final class ParquetColumns {
    private static final MessageType MESSAGE_TYPE = buildMessageType();

    private ParquetColumns() {
    }

    /** The Parquet physical type of a column type. */
    public static PrimitiveTypeName primitive(DatasetSchema.Type t) {
        return switch (t) {
            case STRING -> PrimitiveTypeName.BINARY;
            case INT32 -> PrimitiveTypeName.INT32;
            case INT64, TIMESTAMP_MILLIS -> PrimitiveTypeName.INT64;
            case DOUBLE -> PrimitiveTypeName.DOUBLE;
            case BOOLEAN -> PrimitiveTypeName.BOOLEAN;
        };
    }

    /** The Parquet logical type annotation of a column type, or null where there is none. */
    public static LogicalTypeAnnotation logical(DatasetSchema.Type t) {
        return switch (t) {
            case STRING -> LogicalTypeAnnotation.stringType();
            case TIMESTAMP_MILLIS -> LogicalTypeAnnotation.timestampType(true, LogicalTypeAnnotation.TimeUnit.MILLIS);
            default -> null;
        };
    }

    /** The Parquet schema of a part file. */
    public static MessageType messageType() {
        return MESSAGE_TYPE;
    }

    private static MessageType buildMessageType() {
        Types.MessageTypeBuilder b = Types.buildMessage();
        for (Column c : DatasetSchema.columns()) {
            Repetition rep = c.nullable() ? Repetition.OPTIONAL : Repetition.REQUIRED;
            var field = Types.primitive(primitive(c.type()), rep);
            LogicalTypeAnnotation logical = logical(c.type());
            if (logical != null) {
                field = field.as(logical);
            }
            b.addField(field.named(c.name()));
        }
        return b.named(DatasetSchema.MESSAGE_NAME);
    }
}
