package io.consolidb;
public class Main { public static void main(String[] a) {} }
