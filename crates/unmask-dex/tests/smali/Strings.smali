.class public Lfix/Strings;
.super Ljava/lang/Object;

# MUTF-8 edge cases: a supplementary character (surrogate pair), an embedded NUL,
# a lone surrogate, two-byte and three-byte characters.
.method public static strings()V
    .registers 1
    const-string v0, "smile \ud83d\ude00!"
    const-string v0, "nul\u0000inside"
    const-string v0, "lone \ud800 surrogate"
    const-string v0, "caf\u00e9 \u20ac"
    const-string v0, ""
    return-void
.end method
