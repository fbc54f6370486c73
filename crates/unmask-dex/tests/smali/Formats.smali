.class public Lfix/Formats;
.super Ljava/lang/Object;
.implements Ljava/lang/Runnable;
.source "Formats.java"

.field public static sf:I = 0x2a
.field public static ss:Ljava/lang/String; = "static"
.field public inst:J
.field private obj:Ljava/lang/Object;

.method public constructor <init>()V
    .registers 1
    invoke-direct {p0}, Ljava/lang/Object;-><init>()V
    return-void
.end method

.method public run()V
    .registers 1
    return-void
.end method

.method public static target(IIIII)I
    .registers 5
    const/4 v0, 0
    return v0
.end method

.method public static range(JJJ)J
    .registers 6
    return-wide p0
.end method

# Every format except 45cc/4rcc/invoke-custom (see Modern.smali) and the payloads.
.method public all(I[I)I
    .registers 300
    .line 10
    nop
    move v1, v2
    move/from16 v3, v256
    move/16 v257, v258
    move-wide v4, v6
    move-wide/from16 v4, v260
    move-wide/16 v262, v264
    move-object v1, v9
    move-object/from16 v1, v280
    move-object/16 v281, v282
    .line 11
    const/4 v0, -0x8
    const/4 v1, 0x7
    const/16 v2, -0x8000
    const v3, 0x12345678
    const v3, 0x3fc00000
    const/high16 v4, 0x7f000000
    const-wide/16 v4, -0x1
    const-wide/32 v4, 0x7fffffff
    const-wide v4, 0x400921fb54442d18L
    const-wide/high16 v4, -0x8000000000000000L
    const-string v5, "hello"
    const-string/jumbo v5, "jumbo"
    const-class v5, Ljava/lang/String;
    monitor-enter v9
    monitor-exit v9
    check-cast v5, Ljava/lang/String;
    instance-of v6, v5, Ljava/lang/String;
    array-length v6, v12
    new-instance v7, Ljava/lang/Object;
    new-array v8, v0, [I
    filled-new-array {v0, v1, v2, v3, v6}, [I
    move-result-object v8
    filled-new-array/range {v0 .. v3}, [I
    move-result-object v8
    .line 12
    cmpl-float v0, v1, v2
    cmpg-float v0, v1, v2
    cmpl-double v0, v2, v4
    cmpg-double v0, v2, v4
    cmp-long v0, v2, v4
    if-eq v0, v1, :end
    if-ne v0, v1, :end
    if-lt v0, v1, :end
    if-ge v0, v1, :end
    if-gt v0, v1, :end
    if-le v0, v1, :end
    if-eqz v0, :end
    if-nez v0, :end
    if-ltz v0, :end
    if-gez v0, :end
    if-gtz v0, :end
    if-lez v0, :end
    aget v0, v12, v1
    aput v0, v12, v1
    aget-wide v2, v8, v1
    aget-object v0, v8, v1
    aput-object v0, v8, v1
    aget-boolean v0, v8, v1
    aget-byte v0, v8, v1
    aget-char v0, v8, v1
    aget-short v0, v8, v1
    aput-wide v2, v8, v1
    aput-boolean v0, v8, v1
    aput-byte v0, v8, v1
    aput-char v0, v8, v1
    aput-short v0, v8, v1
    iget-wide v2, v9, Lfix/Formats;->inst:J
    iput-wide v2, v9, Lfix/Formats;->inst:J
    iget-object v0, v9, Lfix/Formats;->obj:Ljava/lang/Object;
    iput-object v0, v9, Lfix/Formats;->obj:Ljava/lang/Object;
    sget v0, Lfix/Formats;->sf:I
    sput v0, Lfix/Formats;->sf:I
    sget-object v0, Lfix/Formats;->ss:Ljava/lang/String;
    sput-object v0, Lfix/Formats;->ss:Ljava/lang/String;
    sget-wide v2, Lfix/Formats;->sf:I
    sput-wide v2, Lfix/Formats;->sf:I
    sget-boolean v0, Lfix/Formats;->sf:I
    sput-boolean v0, Lfix/Formats;->sf:I
    sget-byte v0, Lfix/Formats;->sf:I
    sput-byte v0, Lfix/Formats;->sf:I
    sget-char v0, Lfix/Formats;->sf:I
    sput-char v0, Lfix/Formats;->sf:I
    sget-short v0, Lfix/Formats;->sf:I
    sput-short v0, Lfix/Formats;->sf:I
    iget v0, v9, Lfix/Formats;->sf:I
    iput v0, v9, Lfix/Formats;->sf:I
    iget-boolean v0, v9, Lfix/Formats;->sf:I
    iput-char v0, v9, Lfix/Formats;->sf:I
    invoke-virtual {v9}, Lfix/Formats;->run()V
    invoke-super {v9}, Ljava/lang/Object;->hashCode()I
    invoke-direct {v9}, Lfix/Formats;-><init>()V
    invoke-static {v0, v1, v2, v3, v4}, Lfix/Formats;->target(IIIII)I
    move-result v0
    invoke-interface {v9}, Ljava/lang/Runnable;->run()V
    invoke-virtual/range {v9 .. v9}, Lfix/Formats;->run()V
    invoke-super/range {v9 .. v9}, Ljava/lang/Object;->hashCode()I
    invoke-direct/range {v9 .. v9}, Lfix/Formats;-><init>()V
    invoke-static/range {v10 .. v15}, Lfix/Formats;->range(JJJ)J
    move-result-wide v2
    invoke-interface/range {v9 .. v9}, Ljava/lang/Runnable;->run()V
    neg-int v0, v1
    not-long v2, v4
    int-to-double v2, v0
    int-to-short v0, v1
    add-int v0, v1, v2
    ushr-long v2, v4, v0
    rem-double v2, v4, v6
    add-int/2addr v0, v1
    div-double/2addr v2, v4
    add-int/lit16 v0, v1, 0x7fff
    rsub-int v0, v1, -0x1
    xor-int/lit16 v0, v1, -0x8000
    add-int/lit8 v0, v1, 0x7f
    rsub-int/lit8 v0, v1, -0x80
    ushr-int/lit8 v0, v1, 0x3
    goto :next
    :next
    goto/16 :next2
    :next2
    goto/32 :next3
    :next3
    fill-array-data v12, :array
    packed-switch v11, :pswitch
    sparse-switch v11, :sswitch
    :end
    return v0
    throw v0

    :array
    .array-data 4
        0x1
        0x2
        0x3
    .end array-data

    :pswitch
    .packed-switch 0x10
        :end
        :next
        :next2
    .end packed-switch

    :sswitch
    .sparse-switch
        -0x1 -> :end
        0x64 -> :next
        0x186a0 -> :next3
    .end sparse-switch
.end method

.method public tries()V
    .registers 2
    :start
    invoke-virtual {p0}, Lfix/Formats;->run()V
    :stop
    return-void
    :handler
    move-exception v0
    throw v0
    :all
    move-exception v0
    return-void
    .catch Ljava/lang/RuntimeException; {:start .. :stop} :handler
    .catchall {:start .. :stop} :all
.end method

.method public abstract_like()V
    .registers 1
    goto :self
    :self
    goto :self
.end method
