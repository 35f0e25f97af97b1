<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US" sourcelanguage="en_US">
<context>
    <name>Forwards</name>
    <message numerus="yes">
        <source>%n error(s); the last one: %1</source>
        <translation>
            <numerusform>%n error; the last one: %1</numerusform>
            <numerusform>%n errors; the last one: %1</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>InviteDialog</name>
    <message numerus="yes">
        <source>A join attempt failed: a wrong code? %n attempt(s) left before the code burns.</source>
        <translation>
            <numerusform>A join attempt failed: a wrong code? %n attempt left before the code burns.</numerusform>
            <numerusform>A join attempt failed: a wrong code? %n attempts left before the code burns.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>JoinDialog</name>
    <message numerus="yes">
        <source>The relay %1 admitted this device to its group of %n device(s).</source>
        <translation>
            <numerusform>The relay %1 admitted this device to its group of %n device.</numerusform>
            <numerusform>The relay %1 admitted this device to its group of %n devices.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Notifications</name>
    <message numerus="yes">
        <source>(changed %n times)</source>
        <translation>
            <numerusform>(changed %n time)</numerusform>
            <numerusform>(changed %n times)</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Relays</name>
    <message numerus="yes">
        <source>%n h</source>
        <translation>
            <numerusform>%n h</numerusform>
            <numerusform>%n h</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n min</source>
        <translation>
            <numerusform>%n min</numerusform>
            <numerusform>%n min</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n s</source>
        <translation>
            <numerusform>%n s</numerusform>
            <numerusform>%n s</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Tray</name>
    <message numerus="yes">
        <source>%n peer(s)</source>
        <translation>
            <numerusform>%n peer</numerusform>
            <numerusform>%n peers</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n unverified peer(s)</source>
        <translation>
            <numerusform>%n unverified peer</numerusform>
            <numerusform>%n unverified peers</numerusform>
        </translation>
    </message>
</context>
</TS>
