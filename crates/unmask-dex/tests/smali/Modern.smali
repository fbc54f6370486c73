.class public Lfix/Modern;
.super Ljava/lang/Object;

# invoke-polymorphic, invoke-custom, const-method-handle, const-method-type (dex 038+).
.method public static go(Ljava/lang/invoke/MethodHandle;Ljava/lang/Object;)V
    .registers 10
    invoke-polymorphic {p0, p1}, Ljava/lang/invoke/MethodHandle;->invoke([Ljava/lang/Object;)Ljava/lang/Object;, (Ljava/lang/Object;)V
    invoke-polymorphic/range {v0 .. v2}, Ljava/lang/invoke/MethodHandle;->invokeExact([Ljava/lang/Object;)Ljava/lang/Object;, (II)I
    const-method-handle v0, invoke-static@Lfix/Modern;->go(Ljava/lang/invoke/MethodHandle;Ljava/lang/Object;)V
    const-method-type v1, (IJ)Ljava/lang/String;
    invoke-custom {v0, v1}, call_site_0("run", (II)V, "extra")@Lfix/Modern;->bootstrap(Ljava/lang/invoke/MethodHandles$Lookup;Ljava/lang/String;Ljava/lang/invoke/MethodType;Ljava/lang/String;)Ljava/lang/invoke/CallSite;
    invoke-custom/range {v0 .. v1}, call_site_0("run", (II)V, "extra")@Lfix/Modern;->bootstrap(Ljava/lang/invoke/MethodHandles$Lookup;Ljava/lang/String;Ljava/lang/invoke/MethodType;Ljava/lang/String;)Ljava/lang/invoke/CallSite;
    return-void
.end method

.method public static bootstrap(Ljava/lang/invoke/MethodHandles$Lookup;Ljava/lang/String;Ljava/lang/invoke/MethodType;Ljava/lang/String;)Ljava/lang/invoke/CallSite;
    .registers 4
    const/4 v0, 0
    return-object v0
.end method
