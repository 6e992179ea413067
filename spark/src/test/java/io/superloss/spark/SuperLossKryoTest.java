package io.superloss.spark;

import io.superloss.SuperLoss;
import io.superloss.Threshold;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import scala.reflect.ClassTag$;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

/**
 * A SuperLoss through Spark's Kryo serializer (with ND4J's registrator), which restores fields without calling a
 * constructor or {@code readResolve}: the copy has the same configuration and state and trains exactly like the
 * original.
 */
class SuperLossKryoTest {
    @Test
    void kryoCopyKeepsTheStateAndTrainsLikeTheOriginal() {
        SerializerInstance kryo = new KryoSerializer(new SparkConf()
                .set("spark.kryo.registrator", "org.nd4j.kryo.Nd4jRegistrator")).newInstance();
        SuperLoss original = SuperLoss.builder(new LossMCXENT()).threshold(Threshold.ema(0.8)).lambda(0.5).build();
        Nd4j.getRandom().setSeed(3);
        INDArray labels = Nd4j.eye(4).castTo(Nd4j.defaultFloatingPointType());
        original.computeGradient(labels, Nd4j.randn(4, 4), new ActivationSoftmax(), null);

        ByteBuffer bytes = kryo.serialize(original, ClassTag$.MODULE$.apply(SuperLoss.class));
        SuperLoss copy = kryo.deserialize(bytes, ClassTag$.MODULE$.apply(SuperLoss.class));
        assertNotSame(original, copy);
        assertEquals(original, copy, "same configuration");
        assertEquals(original.snapshot(), copy.snapshot(), "same state");

        INDArray preOutput = Nd4j.randn(4, 4);
        INDArray expected = original.computeGradient(labels, preOutput, new ActivationSoftmax(), null);
        INDArray actual = copy.computeGradient(labels, preOutput, new ActivationSoftmax(), null);
        assertEquals(expected, actual, "the same gradient");
        assertEquals(original.snapshot(), copy.snapshot(), "the same state after one more training call");
    }
}
