.class public Lfix/Annotated;
.super Ljava/lang/Object;

# Class, method and parameter annotations; static values.
.annotation runtime Lfix/Marker;
    value = "class-level"
    level = 0x3
.end annotation

.field public static final K:Ljava/lang/String; = "k"
.field public static final D:D = 2.5

.method public static m(ILjava/lang/String;)V
    .registers 2
    .param p1, "name"    # Ljava/lang/String;
        .annotation runtime Lfix/Marker;
            value = "param"
        .end annotation
    .end param
    .annotation system Ldalvik/annotation/Throws;
        value = {
            Ljava/io/IOException;
        }
    .end annotation
    return-void
.end method
