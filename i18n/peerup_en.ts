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
